import { describe, expect, it } from 'vitest'
import { UpstashError, UpstashRedis } from '../src/upstash/client'
import { testRedis } from './ratelimit-support'

/**
 * src/upstash/client.ts, the stores' Upstash REST client, against scripts/upstash-bridge.mjs
 * over a real redis-server: scripts (EVALSHA, EVAL once unknown), pipelines with and without
 * kept errors, and every kind of failure surfacing as a rejection the stores can act on.
 */
function client(token?: string): UpstashRedis {
  const redis = testRedis()
  return new UpstashRedis({ url: redis.url, token: token ?? redis.token })
}

describe('Upstash REST client', () => {
  it('runs a script Redis has never seen (EVAL after NOSCRIPT), then by its hash', async () => {
    const redis = client()
    const key = `client:${crypto.randomUUID()}`
    // A script body unique to this run: Redis cannot have it cached.
    const script = redis.createScript<number>(`-- ${key}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`)
    expect(await script.exec([key], ['2'])).toBe(2)
    expect(await script.exec([key], [3])).toBe(5)
    expect(await redis.command(['GET', key])).toBe('5')
  })

  it('sends a pipeline in one call: results in order, errors kept per command when asked', async () => {
    const redis = client()
    const key = `client:${crypto.randomUUID()}`
    await redis.command(['ZADD', key, 1, 'a', 2, 'b'])
    const replies = await redis.pipeline().zrem(key, 'a').evalsha('0'.repeat(40), [key], []).eval("return redis.call('ZCARD', KEYS[1])", [key], []).exec({ keepErrors: true })
    expect(replies[0]).toEqual({ result: 1 })
    expect(replies[1]!.error).toMatch(/^NOSCRIPT/)
    expect(replies[2]).toEqual({ result: 1 })
    // Without keepErrors the first error rejects the whole pipeline.
    await expect(redis.pipeline().zrem(key, 'b').evalsha('0'.repeat(40), [key], []).exec()).rejects.toThrow(/NOSCRIPT/)
  })

  it('rejects on a command error, a bad token and an unreachable store', async () => {
    await expect(client().command(['NOSUCHCOMMAND'])).rejects.toBeInstanceOf(UpstashError)
    await expect(client('wrong-token').command(['PING'])).rejects.toThrow()
    const gone = new UpstashRedis({ url: 'http://127.0.0.1:9', token: 'x' })
    await expect(gone.command(['PING'])).rejects.toThrow()
  })
})
