import { Redis } from '@upstash/redis/cloudflare'
import { describe, expect, it } from 'vitest'
import { SLIDING_WINDOW_SCRIPT } from '../src/ratelimit/script'
import { testRedis, type RedisAccess } from './ratelimit-support'

/**
 * scripts/upstash-bridge.mjs speaks the Upstash REST API over a real redis-server:
 * checked here with @upstash/redis itself (what the limiter uses) and raw requests.
 */
/** Built per test: each one fails on its own when redis-server is missing. */
function upstash(): Redis {
  const { url, token } = testRedis()
  return new Redis({ url, token, enableTelemetry: false, enableAutoPipelining: false, retry: { retries: 0, backoff: () => 0 } })
}

function raw(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  const redis: RedisAccess = testRedis()
  return fetch(`${redis.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${redis.token}`, ...headers },
  })
}

describe('Upstash REST bridge, through @upstash/redis', () => {
  it('runs commands, pipelines and transactions (base64 responses decoded by the client)', async () => {
    const client = upstash()
    const key = `bridge:${crypto.randomUUID()}`
    expect(await client.set(key, 'grüße ✓')).toBe('OK')
    expect(await client.get(key)).toBe('grüße ✓')
    expect(await client.hset(`${key}:h`, { a: 1, b: 'two' })).toBe(2)
    expect(await client.hgetall(`${key}:h`)).toEqual({ a: 1, b: 'two' })
    expect(await client.get(`${key}:missing`)).toBeNull()

    const pipe = client.pipeline()
    pipe.incr(`${key}:n`)
    pipe.incrby(`${key}:n`, 4)
    pipe.lpush(`${key}:l`, 'x', 'y')
    expect(await pipe.exec()).toEqual([1, 5, 2])

    const tx = client.multi()
    tx.set(`${key}:t`, 'v')
    tx.get(`${key}:t`)
    expect(await tx.exec()).toEqual(['OK', 'v'])
  })

  it('runs the limiter script by EVALSHA after one EVAL, on stock redis-server (no shebang flags)', async () => {
    const script = upstash().createScript<number[]>(SLIDING_WINDOW_SCRIPT)
    const key = `bridge:{t}:${crypto.randomUUID()}`
    // One request (member m1, no deadline, one check: key 1, quota 5, 60 s).
    const reply = await script.exec([key], ['1', 'm1', '0', '1', '1', '5', '60000'])
    expect(reply[1]).toBe(1) // allowed
    expect(reply[2]).toBe(1) // counted once
    // The shebang flag @upstash/ratelimit 2.2 sends is refused by stock Redis 7.
    const flagged = await raw('/', JSON.stringify(['EVAL', '#!lua flags=allow-key-locking\nreturn 1', '0']))
    expect(flagged.status).toBe(400)
    expect(((await flagged.json()) as { error: string }).error).toMatch(/Unexpected flag/)
  })
})

describe('Upstash REST bridge, raw protocol', () => {
  it('answers 401 without the right bearer token', async () => {
    const missing = await fetch(testRedis().url, { method: 'POST', body: '["PING"]' })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ error: 'Unauthorized' })
    const wrong = await raw('/', '["PING"]', { authorization: 'Bearer nope' })
    expect(wrong.status).toBe(401)
  })

  it('answers {result}, base64-encoding strings only when asked', async () => {
    const key = `bridge:${crypto.randomUUID()}`
    await raw('/', JSON.stringify(['SET', key, 'hé']))
    const plain = await raw('/', JSON.stringify(['MGET', key, `${key}:none`]))
    expect(await plain.json()).toEqual({ result: ['hé', null] })
    const encoded = await raw('/', JSON.stringify(['MGET', key, `${key}:none`]), { 'upstash-encoding': 'base64' })
    expect(await encoded.json()).toEqual({ result: [btoa(String.fromCharCode(...new TextEncoder().encode('hé'))), null] })
    const number = await raw('/', JSON.stringify(['INCRBY', `${key}:n`, 7]), { 'upstash-encoding': 'base64' })
    expect(await number.json()).toEqual({ result: 7 })
  })

  it('answers 400 {error} for command errors and malformed bodies', async () => {
    for (const body of ['["NOPE"]', '["GET"]', '{"not":"an array"}', '[]', 'not json', '[["nested"]]']) {
      const res = await raw('/', body)
      expect(res.status, body).toBe(400)
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string')
    }
  })

  it('pipeline: one {result}|{error} per command; multi-exec aborted whole is a 400', async () => {
    const key = `bridge:${crypto.randomUUID()}`
    const pipe = await raw('/pipeline', JSON.stringify([['SET', key, 'a'], ['INCR', key], ['GET', key]]))
    expect(pipe.status).toBe(200)
    const entries = (await pipe.json()) as { result?: unknown; error?: string }[]
    expect(entries[0]).toEqual({ result: 'OK' })
    expect(entries[1]!.error).toMatch(/not an integer/)
    expect(entries[2]).toEqual({ result: 'a' })

    const tx = await raw('/multi-exec', JSON.stringify([['INCR', `${key}:n`], ['INCR', `${key}:n`]]))
    expect(await tx.json()).toEqual([{ result: 1 }, { result: 2 }])
    const aborted = await raw('/multi-exec', JSON.stringify([['INCR', `${key}:n`], ['NOPE']]))
    expect(aborted.status).toBe(400)
    expect(((await aborted.json()) as { error: string }).error).toMatch(/EXECABORT|unknown command/)
    // Aborted as a whole: the INCR before the bad command did not run.
    expect(await (await raw('/', JSON.stringify(['GET', `${key}:n`]))).json()).toEqual({ result: '2' })
  })

  it('answers 404 for other paths', async () => {
    const res = await raw('/set/a/b', '')
    expect(res.status).toBe(404)
  })
})
