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

/**
 * The policy GATEWAY_B runs with (vitest.config.ts): the same one here makes both share
 * counters. The store's defaults (100 ms timeout) and the default failure mode (open):
 * a request Redis did not decide in time would be admitted unchecked, so "exactly 100"
 * and "no fail-open" together say every decision came from Redis.
 */
const shared = { policies: [{ name: 'shared', quota: 100, window: 3600 }] }

interface ReadyBody {
  rate_limit: { store: string; status: string; fail_open_total: number; fail_closed_total: number }
}

/** GATEWAY_B's own account of its store, from its /health/ready. */
async function storeHealthB(): Promise<ReadyBody['rate_limit']> {
  const res = await gatewayB.fetch('http://gateway.test/health/ready')
  return ((await res.json()) as ReadyBody).rate_limit
}

describe('exactness under bursts, with the default timeout (decisions batched per isolate)', () => {
  it('admits exactly 100 of 500 concurrent requests from one caller, with no fail-open', async () => {
    const gw = limitedGateway(shared)
    const ip = uniqueIp()
    await resetOrigin('inventory')
    await resetBridgeStats()
    const { statuses, responses } = await burst(500, () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } }))
    expect(statuses).toEqual({ 200: 100, 429: 400 })
    expect(gw.limiter.stats.failOpen).toBe(0)
    expect(gw.limiter.health.report()).toMatchObject({ status: 'ok', fail_open_total: 0 })
    expect(gw.logs.filter((l) => String(l.msg).includes('failing open'))).toEqual([])
    // The origin saw exactly the admitted ones.
    expect((await originStats('inventory')).requests).toBe(100)
    // Every admitted response reports a distinct remaining quota, 99 down to 0.
    const remaining = responses
      .filter((r) => r.status === 200)
      .map((r) => parseLimitField(r.headers.get('ratelimit')).get('shared')!.r as number)
      .sort((a, b) => a - b)
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i))
    // Batched: far fewer REST calls than decisions asked of the store, and one caller's
    // batch is one script run per call.
    const stats = await bridgeStats()
    expect(gw.limiter.stats.storeCalls).toBeGreaterThanOrEqual(100)
    expect(stats.requests).toBeLessThan(gw.limiter.stats.storeCalls / 2)
    expect((stats.commands.evalsha ?? 0) + (stats.commands.eval ?? 0)).toBe(stats.requests)
  })

  it.each([500, 2000])('admits exactly 100 of %i concurrent requests across two instances sharing Redis', async (count) => {
    const gw = limitedGateway(shared)
    const ip = uniqueIp()
    const failOpenBefore = (await storeHealthB()).fail_open_total
    await resetOrigin('inventory')
    const sendB = () => gatewayB.fetch(`http://gateway.test${PUBLIC_PATH}`, { headers: { 'cf-connecting-ip': ip } })
    const sendA = () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
    const [a, b] = await Promise.all([burst(count / 2, sendA), burst(count / 2, sendB)])
    const admitted = (a.statuses[200] ?? 0) + (b.statuses[200] ?? 0)
    const denied = (a.statuses[429] ?? 0) + (b.statuses[429] ?? 0)
    // On a failure, say why: each instance's account of its store (fail-opens, last error)
    // and Redis's own count, which tells a counting fault (Redis ≠ 100) from fail-opens
    // (Redis = 100, the extra ones admitted unchecked when the store did not answer in time).
    const counted = await redisCommand(['ZCARD', `sy:rl:{ip:${ip}}:shared`])
    const why = async () => JSON.stringify({ redis: counted, a: gw.limiter.health.report(), b: await storeHealthB() })
    expect(admitted, await why()).toBe(100)
    expect(denied).toBe(count - 100)
    // Zero fail-open decisions on either instance.
    expect(gw.limiter.stats.failOpen).toBe(0)
    expect((await storeHealthB()).fail_open_total).toBe(failOpenBefore)
    // Both instances limited with the same policy; apart, they would have admitted 200.
    for (const res of [...a.responses, ...b.responses]) {
      expect(res.headers.get('ratelimit-policy')).toBe('"shared";q=100;w=3600')
    }
    expect((await originStats('inventory')).requests).toBe(100)
    expect(counted).toBe(100)
  }, 180_000) // a test timeout, not an assertion: two gateways and an origin on a loaded 2-core machine

  it('costs one round trip per call when Redis lost its scripts, so a restart does not fail open', async () => {
    const gw = limitedGateway({ policies: [{ name: 'reload', quota: 5, window: 3600 }] })
    const send = (ip: string) => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
    // A new isolate sends the script itself (EVAL, which caches it): one call, not EVALSHA then EVAL.
    await redisCommand(['SCRIPT', 'FLUSH'])
    await resetBridgeStats()
    expect((await send(uniqueIp())).status).toBe(200)
    expect(await bridgeStats()).toMatchObject({ requests: 1, commands: { eval: 1 } })
    // Then the hash only.
    await resetBridgeStats()
    expect((await send(uniqueIp())).status).toBe(200)
    expect(await bridgeStats()).toMatchObject({ requests: 1, commands: { evalsha: 1 } })
    // Redis forgot it (restart, flush): NOSCRIPT ran nothing; sent again with EVAL, decided, counted once.
    await redisCommand(['SCRIPT', 'FLUSH'])
    await resetBridgeStats()
    const ip = uniqueIp()
    expect((await send(ip)).status).toBe(200)
    expect(await bridgeStats()).toMatchObject({ requests: 2, commands: { evalsha: 1, eval: 1 } })
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${ip}}:reload`])).toBe(1)
    expect(gw.limiter.stats.failOpen).toBe(0)
  })

  it('decides many callers in one call: one script run per caller, pipelined', async () => {
    const gw = limitedGateway({ policies: [{ name: 'each', quota: 3, window: 3600 }] })
    const ips = Array.from({ length: 40 }, () => uniqueIp())
    await resetBridgeStats()
    const results = await Promise.all(
      ips.map((ip) => burst(5, () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } }))),
    )
    for (const { statuses } of results) expect(statuses).toEqual({ 200: 3, 429: 2 })
    expect(gw.limiter.stats.failOpen).toBe(0)
    const stats = await bridgeStats()
    // Several callers per call: more script runs than REST calls, and fewer calls than decisions.
    expect((stats.commands.evalsha ?? 0) + (stats.commands.eval ?? 0)).toBeGreaterThan(stats.requests)
    expect(stats.requests).toBeLessThan(gw.limiter.stats.storeCalls)
  })

  it('counts a verified user once across both instances, whatever the addresses', async () => {
    // GATEWAY_B is the deployed entry (app/worker.ts): its limiter keys on the identity
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
