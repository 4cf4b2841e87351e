import { afterAll, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { SLIDING_WINDOW_SCRIPT } from '../src/ratelimit/script'
import {
  bridgeStats,
  delayBridge,
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
    // Logged once for the stretch (not a line per request), with its count.
    const warnings = () => soft.logs.filter((l) => l.level === 'warn' && String(l.msg).startsWith('rate limit store failed'))
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatchObject({ msg: 'rate limit store failed; failing open', fail_open: 1, fail_open_total: 1 })
    // Visible on /health/ready without failing readiness.
    const ready = await soft.fetch('/health/ready')
    expect(ready.status).toBe(200)
    const health = ((await ready.json()) as { rate_limit: Record<string, unknown> }).rate_limit
    expect(health).toMatchObject({ store: 'upstash', status: 'failing', fail_open_total: 30, fail_closed_total: 0 })
    expect(String(health.last_error)).toMatch(/rate-limit store failed/)

    const failClosed = await send(hard)()
    const body = await expectProblem(failClosed, 503)
    expect(body).toMatchObject({ policies: ['hard'], instance: PUBLIC_PATH })
    expect(failClosed.headers.get('retry-after')).toBe('1')
    expect(failClosed.headers.get('ratelimit-policy')).toBe('"hard";q=50;w=60')
    expect(hard.limiter.stats.failClosed).toBe(1)
    expect(hard.logs.find((l) => l.level === 'warn')).toMatchObject({ msg: 'rate limit store failed; failing closed', fail_closed: 1 })

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
    // The store recovered: one closing line with the rest of the stretch's count.
    expect(soft.logs.filter((l) => l.msg === 'rate limit store recovered')).toEqual([
      expect.objectContaining({ level: 'info', fail_open: 29, fail_open_total: 30 }),
    ])
    expect(soft.limiter.health.report()).toMatchObject({ status: 'ok', fail_open_total: 30 })
  })

  it('logs a store outage once per interval with the count since the last line', async () => {
    const soft = limitedGateway({ policies: [open], failureLogSeconds: 1 })
    await stopRedis()
    try {
      const send = () => soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
      await burst(5, send)
      // Past the interval, the next failure logs the four it had not reported, and itself.
      await new Promise((r) => setTimeout(r, 1100))
      await burst(3, send)
      const lines = soft.logs.filter((l) => l.level === 'warn')
      expect(lines.map((l) => [l.fail_open, l.fail_open_total])).toEqual([
        [1, 1],
        [5, 6],
      ])
    } finally {
      await startRedis()
    }
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

describe('a slow store (the bridge holds every call)', () => {
  /** Waits until the bridge has answered every call it held (it finishes them after a delay). */
  async function bridgeIdle(): Promise<void> {
    while ((await bridgeStats()).inFlight > 0) await new Promise((r) => setTimeout(r, 50))
  }

  it('fails open or closed as configured without waiting for the store, and counts nothing it gave up on', async () => {
    const soft = limitedGateway({ policies: [open] })
    const hard = limitedGateway({ policies: [closed] })
    const softIp = uniqueIp()
    const hardIp = uniqueIp()
    // Warm: the script is loaded, the isolate knows Redis's clock.
    await (await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })).body?.cancel()
    await (await hard.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })).body?.cancel()

    await delayBridge(3000)
    try {
      const admitted = await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': softIp } })
      expect(admitted.status).toBe(200)
      await admitted.body?.cancel()
      const refused = await hard.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': hardIp } })
      await expectProblem(refused, 503)
      // Both answered while the bridge still held their calls: not at the store's speed.
      expect((await bridgeStats()).inFlight).toBeGreaterThanOrEqual(2)
      expect(soft.limiter.stats.failOpen).toBe(1)
      expect(hard.limiter.stats.failClosed).toBe(1)
      expect(String(soft.logs.find((l) => l.level === 'warn')?.error)).toMatch(/no answer within 100 ms/)
    } finally {
      await delayBridge(0)
    }
    // Redis decided the held calls late and admitted them; the gateway, which had given
    // up on them, removed them again as their answers arrived.
    await bridgeIdle()
    await resetBridgeStats()
    await (await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })).body?.cancel()
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${softIp}}:soft`])).toBe(0)
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${hardIp}}:hard`])).toBe(0)
  })

  it('a cold isolate waits connectTimeoutMs for its first answer: decided by the store, not failed open', async () => {
    const soft = limitedGateway({ policies: [open] })
    const ip = uniqueIp()
    await delayBridge(300)
    try {
      const res = await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
      expect(res.status).toBe(200)
      expect(parseLimitField(res.headers.get('ratelimit')).get('soft')!.r).toBe(49)
      await res.body?.cancel()
    } finally {
      await delayBridge(0)
    }
    expect(soft.limiter.stats.failOpen).toBe(0)
    expect(soft.logs.filter((l) => l.level === 'warn')).toEqual([])
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${ip}}:soft`])).toBe(1)
  })

  it('once the store has answered, the same delay meets timeoutMs and the failure mode applies', async () => {
    const soft = limitedGateway({ policies: [open] })
    const ip = uniqueIp()
    await (await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })).body?.cancel()
    // Ten times the budget, so even a late-ticking isolate cannot count the wait as in time.
    await delayBridge(1000)
    try {
      const res = await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit')).toBeNull()
      await res.body?.cancel()
      expect(soft.limiter.stats.failOpen).toBe(1)
      expect(String(soft.logs.find((l) => l.level === 'warn')?.error)).toMatch(/no answer within 100 ms/)
      // A timeout keeps the store warm: the next slow call fails open too, not after the grace.
      await (await soft.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })).body?.cancel()
      expect(soft.limiter.stats.failOpen).toBe(2)
    } finally {
      await delayBridge(0)
    }
    await bridgeIdle()
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${ip}}:soft`])).toBe(0)
  })

  it('the script admits nothing after the deadline it is given', async () => {
    const ip = uniqueIp()
    const key = `sy:rl:{ip:${ip}}:late`
    const now = Number(((await redisCommand(['TIME'])) as string[])[0]) * 1000
    const script = SLIDING_WINDOW_SCRIPT
    const late = (await redisCommand(['EVAL', script, 1, key, 1, 'm1', now - 1000, 1, 1, 10, 60_000])) as number[]
    expect(late[1]).toBe(-1)
    const timely = (await redisCommand(['EVAL', script, 1, key, 1, 'm2', now + 60_000, 1, 1, 10, 60_000])) as number[]
    expect(timely[1]).toBe(1)
    expect(await redisCommand(['ZRANGE', key, 0, -1])).toEqual(['m2'])
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
