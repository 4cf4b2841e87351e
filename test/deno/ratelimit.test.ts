import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { findRedisServer, startRedisServer } from '../../scripts/redis-server.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startBridge } from '../../scripts/upstash-bridge.mjs'

const TOKEN = 'deno-test-token'

let redis: { url: string; stop: () => Promise<void> }
let bridge: { url: string; close: () => Promise<void> }
let origins: { urls: Record<string, string>; dispose: () => Promise<void> }
let gw: { base: string; stop: () => void }

beforeAll(async () => {
  // Fails (never skips) without redis-server, in CI as anywhere.
  if (!findRedisServer()) throw new Error('redis-server not found: install it (Debian: apt-get install redis-server)')
  redis = await startRedisServer({ port: await freePort() })
  bridge = await startBridge({ redisUrl: redis.url, token: TOKEN })
  origins = await startOriginServers()
  gw = await startDenoGateway({
    urls: origins.urls,
    port: await freePort(),
    env: {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: TOKEN,
      SWITCHYARD_RATE_LIMIT: JSON.stringify({ policies: [{ name: 'deno', quota: 3, window: 60 }] }),
    },
  })
})

afterAll(async () => {
  gw?.stop()
  await origins?.dispose()
  await bridge?.close()
  await redis?.stop()
})

describe('rate limiting under deno serve, on Redis through the bridge', () => {
  it('keys by the connection address (X-Forwarded-For ignored) and answers 429 past the quota', async () => {
    const statuses: number[] = []
    const remaining: (string | null)[] = []
    let last: Response | undefined
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${gw.base}/api/v2/users/1`, { headers: { 'x-forwarded-for': `192.0.2.${i}` } })
      statuses.push(last.status)
      remaining.push(last.headers.get('ratelimit'))
      if (i < 3) await last.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(remaining.slice(0, 3).map((v) => v?.replace(/;t=\d+$/, ''))).toEqual(['"deno";r=2', '"deno";r=1', '"deno";r=0'])
    expect(last!.headers.get('ratelimit-policy')).toBe('"deno";q=3;w=60')
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(last!.headers.get('content-type')).toBe('application/problem+json')
    expect(await last!.json()).toMatchObject({ status: 429, 'violated-policies': ['deno'] })

    // The partition is the loopback connection address, counted in the real Redis.
    const zcard = await fetch(bridge.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(['ZCARD', 'sy:rl:{ip:127.0.0.1}:deno']),
    })
    expect(await zcard.json()).toEqual({ result: 3 })
  })
})
