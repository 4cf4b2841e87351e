import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort } from '../../scripts/deno-gateway.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { findRedisServer, startRedisServer } from '../../scripts/redis-server.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { spawnBridge } from '../../scripts/upstash-bridge.mjs'
import { startDenoStack, type DenoStack } from './support'

const TOKEN = 'deno-test-token'
/** A public route: no token, so the caller is its connection address. */
const PUBLIC_PATH = '/api/v2/inventory/SKU-RED-MUG'
/** The seeded admin's `sub` (services/auth/seed.sql), whom the stack logs in. */
const ADMIN_SUB = '2'

let redis: { url: string; stop: () => Promise<void> }
let bridge: { url: string; stop: () => void }
let stack: DenoStack

beforeAll(async () => {
  // Fails (never skips) without redis-server, in CI as anywhere.
  if (!findRedisServer()) throw new Error('redis-server not found: install it (Debian: apt-get install redis-server)')
  redis = await startRedisServer({ port: await freePort() })
  // Its own process: this one sends the bursts, and a bridge behind them would look slow.
  bridge = await spawnBridge({ redisUrl: redis.url, token: TOKEN, port: await freePort() })
  stack = await startDenoStack({
    env: {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: TOKEN,
      // Not the auth service: the stack's admin login does not count.
      SWITCHYARD_RATE_LIMIT: JSON.stringify({
        policies: [
          { name: 'deno', quota: 3, window: 60, match: { services: ['inventory', 'users'] } },
          { name: 'burst-check', quota: 100, window: 60, match: { services: ['orders'] } },
        ],
      }),
    },
  })
})

afterAll(async () => {
  await stack?.stop()
  bridge?.stop()
  await redis?.stop()
})

async function zcard(key: string): Promise<unknown> {
  const res = await fetch(bridge.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(['ZCARD', key]),
  })
  return ((await res.json()) as { result: unknown }).result
}

/** Sends four requests and returns their statuses, `RateLimit` values and the last response. */
async function four(path: string, headers: (i: number) => Record<string, string>) {
  const statuses: number[] = []
  const remaining: (string | null)[] = []
  let last: Response | undefined
  for (let i = 0; i < 4; i++) {
    last = await fetch(`${stack.gw.base}${path}`, { headers: headers(i) })
    statuses.push(last.status)
    remaining.push(last.headers.get('ratelimit')?.replace(/;t=\d+$/, '') ?? null)
    if (i < 3) await last.body?.cancel()
  }
  return { statuses, remaining: remaining.slice(0, 3), last: last! }
}

describe('rate limiting under deno serve, on Redis through the bridge', () => {
  it('keys an anonymous caller by the connection address (X-Forwarded-For ignored) and answers 429 past the quota', async () => {
    const { statuses, remaining, last } = await four(PUBLIC_PATH, (i) => ({ 'x-forwarded-for': `192.0.2.${i}` }))
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(remaining).toEqual(['"deno";r=2', '"deno";r=1', '"deno";r=0'])
    expect(last.headers.get('ratelimit-policy')).toBe('"deno";q=3;w=60')
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(last.headers.get('content-type')).toBe('application/problem+json')
    expect(await last.json()).toMatchObject({ status: 429, 'violated-policies': ['deno'] })

    // The partition is the loopback connection address, counted in the real Redis.
    expect(await zcard('sy:rl:{ip:127.0.0.1}:deno')).toBe(3)
  })

  it('keys a logged-in caller by the verified subject, not the (exhausted) address', async () => {
    const { statuses, remaining } = await four('/api/v2/users/1', () => stack.admin)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(remaining).toEqual(['"deno";r=2', '"deno";r=1', '"deno";r=0'])
    expect(await zcard(`sy:rl:{u:${ADMIN_SUB}}:deno`)).toBe(3)
    expect(await zcard('sy:rl:{ip:127.0.0.1}:deno')).toBe(3)
  })

  it('admits exactly the quota of 500 concurrent requests, with no fail-open (the policy from SWITCHYARD_RATE_LIMIT)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 500 }, async () => {
        const res = await fetch(`${stack.gw.base}/api/v2/orders/1`, { headers: stack.admin })
        await res.body?.cancel()
        return res
      }),
    )
    const statuses: Record<number, number> = {}
    for (const res of responses) statuses[res.status] = (statuses[res.status] ?? 0) + 1
    const ready = (await (await fetch(`${stack.gw.base}/health/ready`)).json()) as { rate_limit: Record<string, unknown> }
    expect(statuses, JSON.stringify(ready.rate_limit)).toEqual({ 200: 100, 429: 400 })
    expect(responses[0]!.headers.get('ratelimit-policy')).toBe('"burst-check";q=100;w=60')
    expect(ready.rate_limit).toMatchObject({ store: 'upstash', fail_open_total: 0 })
  })

  it('limits failed logins per account by default, the policies given notwithstanding', async () => {
    const attempt = () =>
      fetch(`${stack.gw.base}/api/v2/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'guess' }),
      })
    for (let i = 0; i < 5; i++) {
      const res = await attempt()
      expect(res.status).toBe(400)
      await res.body?.cancel()
    }
    const refused = await attempt()
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused.json()).toMatchObject({ 'violated-policies': ['failed-login'] })
  })
})
