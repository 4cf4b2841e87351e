import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { originStats, resetOrigin } from './helpers'
import {
  bridgeStats,
  burst,
  limitedGateway,
  parseLimitField,
  PUBLIC_PATH,
  redisCommand,
  resetBridgeStats,
  uniqueIp,
  verifiedUser,
} from './ratelimit-support'

/** The second gateway instance: its own Worker and isolate (vitest.config.ts, GATEWAY_B). */
const gatewayB = (env as unknown as { GATEWAY_B: Fetcher }).GATEWAY_B

/** The policy GATEWAY_B runs with (vitest.config.ts): the same one here makes both share counters. */
const shared = {
  // A generous timeout, and failing closed: a request that Redis did not decide shows
  // as 503, so "exactly 100 admitted" cannot come from anything but Redis.
  store: { timeoutMs: 5000 },
  policies: [{ name: 'shared', quota: 100, window: 3600, failure: 'closed' as const }],
}

describe('exactness under concurrency (one atomic script per request)', () => {
  it('admits exactly 100 of 500 concurrent requests against a limit of 100', async () => {
    const gw = limitedGateway(shared)
    const ip = uniqueIp()
    // Load the script into Redis first (a fresh Redis answers the first EVALSHAs NOSCRIPT).
    const warm = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
    await warm.body?.cancel()
    await resetOrigin('inventory')
    await resetBridgeStats()
    const { statuses, responses } = await burst(500, () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } }))
    expect(statuses).toEqual({ 200: 100, 429: 400 })
    // The origin saw exactly the admitted ones.
    expect((await originStats('inventory')).requests).toBe(100)
    // Every admitted response reports a distinct remaining quota, 99 down to 0.
    const remaining = responses
      .filter((r) => r.status === 200)
      .map((r) => parseLimitField(r.headers.get('ratelimit')).get('shared')!.r as number)
      .sort((a, b) => a - b)
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i))
    // One Redis round trip per decision at most (denials after the first come from the deny cache).
    const stats = await bridgeStats()
    expect(stats.requests).toBeLessThanOrEqual(500)
    expect(stats.commands.evalsha).toBe(stats.requests)
    expect(stats.commands.eval).toBeUndefined()
  })

  it('admits exactly 100 across two gateway instances sharing Redis', async () => {
    const gw = limitedGateway(shared)
    const ip = uniqueIp()
    await resetOrigin('inventory')
    const sendB = () =>
      gatewayB.fetch(`http://gateway.test${PUBLIC_PATH}`, { headers: { 'cf-connecting-ip': ip } })
    const sendA = () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
    const [a, b] = await Promise.all([burst(250, sendA), burst(250, sendB)])
    const admitted = (a.statuses[200] ?? 0) + (b.statuses[200] ?? 0)
    const denied = (a.statuses[429] ?? 0) + (b.statuses[429] ?? 0)
    expect(admitted).toBe(100)
    expect(denied).toBe(400)
    // Both instances limited with the same policy; apart, they would have admitted 200.
    for (const res of [...a.responses, ...b.responses]) {
      expect(res.headers.get('ratelimit-policy')).toBe('"shared";q=100;w=3600')
    }
    expect((await originStats('inventory')).requests).toBe(100)
  })

  it('counts a verified user once across both instances, whatever the addresses', async () => {
    // GATEWAY_B is the deployed entry (src/worker.ts): its limiter keys on the identity
    // its auth middleware verified, as the gateway built here does.
    const gw = limitedGateway(shared)
    const user = await verifiedUser()
    await resetOrigin('users')
    const send = (fetcher: (url: string, init: RequestInit) => Promise<Response>) => () =>
      fetcher('/api/v2/users/1', { headers: { 'cf-connecting-ip': uniqueIp(), authorization: user.authorization } })
    const [a, b] = await Promise.all([
      burst(60, send(gw.fetch)),
      burst(60, send((path, init) => gatewayB.fetch(`http://gateway.test${path}`, init))),
    ])
    expect((a.statuses[200] ?? 0) + (b.statuses[200] ?? 0)).toBe(100)
    expect((a.statuses[429] ?? 0) + (b.statuses[429] ?? 0)).toBe(20)
    // One partition, the subject's (each instance sent only 60, so both counted in it).
    expect(await redisCommand(['ZCARD', `sy:rl:{u:${user.sub}}:shared`])).toBe(100)
    expect((await originStats('users')).requests).toBe(100)
  })
})
