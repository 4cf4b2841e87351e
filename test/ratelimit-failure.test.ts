import { afterAll, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import {
  bridgeStats,
  burst,
  limitedGateway,
  parseLimitField,
  PUBLIC_PATH,
  redisCommand,
  resetBridgeStats,
  startRedis,
  stopRedis,
  hasTestRedis,
  uniqueIp,
} from './ratelimit-support'

const open = { name: 'soft', quota: 50, window: 60, failure: 'open' as const }
const closed = { name: 'hard', quota: 50, window: 60, failure: 'closed' as const }

afterAll(async () => {
  if (hasTestRedis()) await startRedis() // whatever a test did, leave Redis serving
})

describe('Redis stopped mid-test', () => {
  it('fail-open admits every request (zero 5xx), logs and counts; fail-closed answers 503', async () => {
    const soft = limitedGateway({ policies: [open] })
    const hard = limitedGateway({ policies: [closed] })
    const mixed = limitedGateway({ policies: [open, closed] })
    const ip = uniqueIp()
    const send = (gw: typeof soft) => () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })

    // Working first: limited and counted.
    const before = await send(soft)()
    expect(before.status).toBe(200)
    expect(parseLimitField(before.headers.get('ratelimit')).get('soft')!.r).toBe(49)
    await before.body?.cancel()

    await stopRedis()
    const failOpen = await burst(30, send(soft))
    expect(failOpen.statuses).toEqual({ 200: 30 })
    for (const res of failOpen.responses) {
      // The policy is still advertised; the remaining quota is unknown, so not claimed.
      expect(res.headers.get('ratelimit-policy')).toBe('"soft";q=50;w=60')
      expect(res.headers.get('ratelimit')).toBeNull()
    }
    expect(soft.limiter.stats.failOpen).toBe(30)
    const warnings = soft.logs.filter((l) => l.level === 'warn' && l.msg === 'rate limit store failed; failing open')
    expect(warnings).toHaveLength(30)
    expect(warnings[29]).toMatchObject({ policies: ['soft'], fail_open_total: 30 })

    const failClosed = await send(hard)()
    const body = await expectProblem(failClosed, 503)
    expect(body).toMatchObject({ policies: ['hard'], instance: PUBLIC_PATH })
    expect(failClosed.headers.get('retry-after')).toBe('1')
    expect(failClosed.headers.get('ratelimit-policy')).toBe('"hard";q=50;w=60')
    expect(hard.limiter.stats.failClosed).toBe(1)

    // One closed policy among open ones is enough to refuse.
    const both = await send(mixed)()
    expect((await expectProblem(both, 503)).policies).toEqual(['hard'])

    await startRedis()
    // redis-server came back empty (nothing persisted) and without the script:
    // the first decision gets NOSCRIPT on EVALSHA and falls back to EVAL, once.
    await resetBridgeStats()
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const res = await send(soft)()
      statuses.push(res.status)
      expect(parseLimitField(res.headers.get('ratelimit')).get('soft')!.r).toBe(49 - i)
      await res.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 200])
    const stats = await bridgeStats()
    expect(stats.commands).toEqual({ evalsha: 3, eval: 1 })
  })

  it('a wrong token or an unreachable endpoint fails open too, never a 500', async () => {
    const badToken = limitedGateway({ policies: [open], store: { token: 'not-the-token' } })
    const res = await badToken.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
    expect(res.status).toBe(200)
    expect(badToken.limiter.stats.failOpen).toBe(1)
    expect(String(badToken.logs.find((l) => l.level === 'warn')?.error)).toContain('Unauthorized')

    const nowhere = limitedGateway({ policies: [closed], store: { url: 'http://127.0.0.1:9' } })
    await expectProblem(await nowhere.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } }), 503)
  })
})

describe('Redis slowed beyond the timeout', () => {
  it('answers within the timeout (not Redis speed): open admits, closed refuses', async () => {
    const soft = limitedGateway({ policies: [open], store: { timeoutMs: 100 } })
    const hard = limitedGateway({ policies: [closed], store: { timeoutMs: 100 } })
    // Warm: the script is loaded and connections are open.
    await (await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })).body?.cancel()

    // The real server holds every write (the limiter script writes) for 5 s. A write of
    // our own, sent now, completes only when the pause is over: both answers must come first.
    await redisCommand(['CLIENT', 'PAUSE', '5000', 'WRITE'])
    let pauseOver = false
    const probe = redisCommand(['SET', 'switchyard-test:pause-probe', '1']).finally(() => {
      pauseOver = true
    })
    try {
      const admitted = await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
      expect(admitted.status).toBe(200)
      await admitted.body?.cancel()
      expect(pauseOver).toBe(false)

      const refused = await hard.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
      await expectProblem(refused, 503)
      expect(pauseOver).toBe(false)
      expect(soft.limiter.stats.failOpen).toBe(1)
      expect(String(soft.logs.find((l) => l.level === 'warn')?.error)).toMatch(/100 ms|abort|timeout/i)
    } finally {
      // Queued behind the paused writes: answers once the pause is over.
      await probe
    }
  })
})

describe('in-isolate deny cache', () => {
  it('answers an identity already denied without any Redis call until its reset', async () => {
    const gw = limitedGateway({ policies: [{ name: 'short', quota: 2, window: 2 }] })
    const ip = uniqueIp()
    const send = () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
    const first = await burst(3, send)
    expect(first.statuses).toEqual({ 200: 2, 429: 1 })

    await resetBridgeStats()
    const blocked = await burst(20, send)
    expect(blocked.statuses).toEqual({ 429: 20 })
    expect((await bridgeStats()).requests).toBe(0)
    expect(gw.limiter.stats.cachedDenials).toBe(20)
    const res = blocked.responses[0]!
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(2)
    expect(parseLimitField(res.headers.get('ratelimit')).get('short')).toEqual({ r: 0, t: retryAfter })
    expect(res.headers.get('ratelimit-policy')).toBe('"short";q=2;w=2')

    // Once the window frees a slot, the next request is asked of Redis again.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100))
    const again = await send()
    expect(again.status).toBe(200)
    await again.body?.cancel()
    expect((await bridgeStats()).requests).toBe(1)
  })

  it('blocks only the denied partition: another caller still reaches Redis and is admitted', async () => {
    const gw = limitedGateway({ policies: [{ name: 'one', quota: 1, window: 30 }] })
    const blockedIp = uniqueIp()
    await burst(2, () => gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': blockedIp } }))
    const other = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
    expect(other.status).toBe(200)
  })
})
