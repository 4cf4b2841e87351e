import { describe, expect, it } from 'vitest'
import { QUOTA_EXCEEDED_TYPE } from '../src/ratelimit/headers'
import { expectProblem, originStats, resetOrigin } from './helpers'
import { limitedGateway, parseLimitField, PUBLIC_PATH, redisCommand, uniqueIp, verifiedUser } from './ratelimit-support'

const twoPolicies = {
  policies: [
    { name: 'burst', quota: 5, window: 10 },
    { name: 'sustained', quota: 50, window: 60 },
  ],
}

describe('rate-limit headers (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('advertises every policy and counts down r on each admitted request', async () => {
    const gw = limitedGateway(twoPolicies)
    const ip = uniqueIp()
    for (let i = 1; i <= 3; i++) {
      const res = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-policy')).toBe('"burst";q=5;w=10, "sustained";q=50;w=60')
      const policy = parseLimitField(res.headers.get('ratelimit-policy'))
      expect(policy.get('burst')).toEqual({ q: 5, w: 10 })
      expect(policy.get('sustained')).toEqual({ q: 50, w: 60 })
      const limits = parseLimitField(res.headers.get('ratelimit'))
      expect([...limits.keys()]).toEqual(['burst', 'sustained'])
      expect(limits.get('burst')!.r).toBe(5 - i)
      expect(limits.get('sustained')!.r).toBe(50 - i)
      // t: whole seconds until the oldest counted request leaves the window.
      expect(limits.get('burst')!.t).toBeGreaterThanOrEqual(9)
      expect(limits.get('burst')!.t).toBeLessThanOrEqual(10)
      expect(limits.get('sustained')!.t).toBeGreaterThanOrEqual(59)
      expect(limits.get('sustained')!.t).toBeLessThanOrEqual(60)
      expect(res.headers.get('retry-after')).toBeNull()
      await res.body?.cancel()
    }
  })

  it('answers 429 problem+json with Retry-After and violated-policies once a quota is used up', async () => {
    const gw = limitedGateway(twoPolicies)
    const ip = uniqueIp()
    await resetOrigin('inventory')
    for (let i = 0; i < 5; i++) {
      const ok = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
      expect(ok.status).toBe(200)
      await ok.body?.cancel()
    }
    const res = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
    const body = await expectProblem(res, 429)
    expect(body).toMatchObject({
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Quota Exceeded',
      status: 429,
      instance: PUBLIC_PATH,
      'violated-policies': ['burst'],
    })
    expect(body.type).toMatch(/#quota-exceeded$/)
    const retryAfter = res.headers.get('retry-after')!
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/)
    expect(Number(retryAfter)).toBeLessThanOrEqual(10)
    const limits = parseLimitField(res.headers.get('ratelimit'))
    expect(limits.get('burst')).toEqual({ r: 0, t: Number(retryAfter) })
    // A denied request counts in no policy: sustained still shows 5 used.
    expect(limits.get('sustained')!.r).toBe(45)
    expect(parseLimitField(res.headers.get('ratelimit-policy')).size).toBe(2)
    // Nothing beyond the quota reached the origin.
    expect((await originStats('inventory')).requests).toBe(5)
    // The access log names the route even though its handler never ran.
    const line = gw.logs.find((l) => l.msg === 'request' && l.status === 429)
    expect(line).toMatchObject({ route: '/api/v2/inventory/:sku', upstream: null })
  })

  it('limits unmatched /api paths too (404 and 405 with headers), and never /health', async () => {
    const gw = limitedGateway({ policies: [{ name: 'tiny', quota: 1, window: 30 }] })
    // An undeclared /api path needs a token (auth fails closed): counted by the subject.
    const user = await verifiedUser()
    const first = await gw.fetch('/api/v2/nope', { headers: { authorization: user.authorization } })
    expect(first.status).toBe(404)
    expect(parseLimitField(first.headers.get('ratelimit')).get('tiny')!.r).toBe(0)
    await first.body?.cancel()
    await expectProblem(await gw.fetch('/api/v2/nope', { headers: { authorization: user.authorization } }), 429)
    // A known public path with another method: anonymous, counted by the address.
    const ip = uniqueIp()
    const wrongMethod = await gw.fetch(PUBLIC_PATH, { method: 'DELETE', headers: { 'cf-connecting-ip': ip } })
    expect(wrongMethod.status).toBe(405)
    expect(parseLimitField(wrongMethod.headers.get('ratelimit')).get('tiny')!.r).toBe(0)
    await wrongMethod.body?.cancel()
    await expectProblem(await gw.fetch(PUBLIC_PATH, { method: 'DELETE', headers: { 'cf-connecting-ip': ip } }), 429)
    const health = await gw.fetch('/health/live', { headers: { 'cf-connecting-ip': ip } })
    expect(health.status).toBe(200)
    expect(health.headers.get('ratelimit')).toBeNull()
  })
})

describe('who a request counts against', () => {
  it('keys by CF-Connecting-IP; a spoofed X-Forwarded-For changes nothing', async () => {
    const gw = limitedGateway({ policies: [{ name: 'per-ip', quota: 3, window: 60 }] })
    const ip = uniqueIp()
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await gw.fetch(PUBLIC_PATH, {
        headers: { 'cf-connecting-ip': ip, 'x-forwarded-for': `192.0.2.${i + 1}`, forwarded: `for=198.51.100.${i}` },
      })
      statuses.push(res.status)
      await res.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    // The partition in Redis is the platform's address, never a forwarded one.
    expect(await redisCommand(['ZCARD', `sy:rl:{ip:${ip}}:per-ip`])).toBe(3)
    expect(await redisCommand(['EXISTS', 'sy:rl:{ip:192.0.2.1}:per-ip'])).toBe(0)
    // Another address has its own quota.
    const other = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
    expect(other.status).toBe(200)
  })

  it('keys by the subject auth verified, whatever the address', async () => {
    // No identity hook: the limiter reads what the auth middleware set from a real token.
    const gw = limitedGateway({ policies: [{ name: 'per-user', quota: 2, window: 60 }] })
    const user = await verifiedUser()
    const ips = [uniqueIp(), uniqueIp(), uniqueIp()]
    const statuses: number[] = []
    for (const ip of ips) {
      const res = await gw.fetch('/api/v2/users/1', { headers: { 'cf-connecting-ip': ip, authorization: user.authorization } })
      statuses.push(res.status)
      await res.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(await redisCommand(['ZCARD', `sy:rl:{u:${user.sub}}:per-user`])).toBe(2)
    expect(await redisCommand(['EXISTS', `sy:rl:{ip:${ips[0]}}:per-user`])).toBe(0)
  })

  it('never counts an unverified subject: a forged token is refused before the limiter', async () => {
    const gw = limitedGateway({ policies: [{ name: 'forged', quota: 5, window: 60 }] })
    const user = await verifiedUser()
    const [header, payload, signature] = user.authorization.slice('Bearer '.length).split('.')
    const forged = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`
    const res = await gw.fetch('/api/v2/users/1', { headers: { 'cf-connecting-ip': uniqueIp(), authorization: `Bearer ${forged}` } })
    await expectProblem(res, 401)
    expect(await redisCommand(['EXISTS', `sy:rl:{u:${user.sub}}:forged`])).toBe(0)
  })

  it('counts IPv6 clients per /64', async () => {
    const gw = limitedGateway({ policies: [{ name: 'v6', quota: 2, window: 60 }] })
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`
    const statuses: number[] = []
    for (const host of ['::1', '::2', ':abcd:0:0:7']) {
      const res = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': `${prefix}${host}` } })
      statuses.push(res.status)
      await res.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 429])
  })

  it('picks the quota by the verified token\'s tier claim (free by default, pro when claimed)', async () => {
    const gw = limitedGateway({ policies: [{ name: 'burst', quota: 2, window: 10, tiers: { pro: { quota: 4 } } }] })
    const send = async (claims: Record<string, unknown>) => {
      const user = await verifiedUser(claims)
      const res = await gw.fetch('/api/v2/users/1', { headers: { 'cf-connecting-ip': uniqueIp(), authorization: user.authorization } })
      expect(res.status).toBe(200)
      await res.body?.cancel()
      return res
    }
    const pro = await send({ tier: 'pro' })
    expect(pro.headers.get('ratelimit-policy')).toBe('"burst";q=4;w=10')
    expect(parseLimitField(pro.headers.get('ratelimit')).get('burst')!.r).toBe(3)
    // A tier no policy names, a non-string claim, or none at all: the default tier.
    for (const claims of [{ tier: 'platinum' }, { tier: ['pro'] }, {}]) {
      expect((await send(claims)).headers.get('ratelimit-policy')).toBe('"burst";q=2;w=10')
    }
    const anonymous = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': uniqueIp() } })
    expect(anonymous.headers.get('ratelimit-policy')).toBe('"burst";q=2;w=10')
    await anonymous.body?.cancel()
  })
})

describe('policy scopes', () => {
  it('global counts across services; service scope counts per service', async () => {
    const gw = limitedGateway({
      policies: [
        { name: 'all', quota: 10, window: 60 },
        { name: 'per-service', quota: 2, window: 60, scope: 'service' },
      ],
    })
    const { authorization } = await verifiedUser()
    const get = async (path: string) => {
      const res = await gw.fetch(path, { headers: { 'cf-connecting-ip': uniqueIp(), authorization } })
      await res.body?.cancel()
      return { status: res.status, limits: res.headers.get('ratelimit') }
    }
    expect((await get('/api/v2/users/1')).status).toBe(200)
    expect((await get('/api/v2/users/2')).status).toBe(200)
    const third = await get('/api/v2/users/3')
    expect(third.status).toBe(429)
    // orders has its own per-service partition; the global one is shared.
    const orders = await get('/api/v2/orders?user=1')
    expect(orders.status).toBe(200)
    const limits = parseLimitField(orders.limits)
    expect(limits.get('per-service')!.r).toBe(1)
    expect(limits.get('all')!.r).toBe(7)
  })

  it('a composite counts against the policies of every service its parts call', async () => {
    const gw = limitedGateway({
      policies: [
        { name: 'orders-only', quota: 2, window: 60, scope: 'service', match: { services: ['orders'] } },
        { name: 'per-service', quota: 5, window: 60, scope: 'service' },
      ],
    })
    const { authorization } = await verifiedUser()
    const get = async (path: string) => {
      const res = await gw.fetch(path, { headers: { 'cf-connecting-ip': uniqueIp(), authorization } })
      await res.body?.cancel()
      return { status: res.status, policy: res.headers.get('ratelimit-policy'), limits: res.headers.get('ratelimit') }
    }
    // The dashboard's parts call users, orders and payments: each partition counts it.
    const first = await get('/api/v2/me/dashboard')
    expect(first.status).not.toBe(429)
    expect(first.policy).toBe('"orders-only";q=2;w=60, "per-service";q=5;w=60')
    expect(parseLimitField(first.limits).get('orders-only')!.r).toBe(1)
    // A plain orders call shares the orders partitions with it.
    expect((await get('/api/v2/orders?user=1')).status).toBe(200)
    const third = await get('/api/v2/me/dashboard')
    expect(third.status).toBe(429)
    expect((await get('/api/v2/orders?user=1')).status).toBe(429)
    // users was called twice (by the dashboards: the denied one counted nowhere).
    const users = await get('/api/v2/users/1')
    expect(users.status).toBe(200)
    expect(parseLimitField(users.limits).get('per-service')!.r).toBe(3)
  })

  it('group scope applies only to routes of the listed groups, per group', async () => {
    const gw = limitedGateway({
      policies: [
        { name: 'everything', quota: 100, window: 60 },
        { name: 'payment-writes', quota: 1, window: 60, scope: 'group', match: { groups: ['payments-write'] } },
      ],
    })
    const { authorization } = await verifiedUser()
    const read = await gw.fetch('/api/v2/payments/charges?order=1', { headers: { authorization } })
    expect(read.status).toBe(200)
    expect(read.headers.get('ratelimit-policy')).toBe('"everything";q=100;w=60')
    await read.body?.cancel()
    const write = () =>
      gw.fetch('/api/v2/payments/charges/1/refunds', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ amount_cents: 1 }),
      })
    const first = await write()
    expect(first.headers.get('ratelimit-policy')).toBe('"everything";q=100;w=60, "payment-writes";q=1;w=60')
    await first.body?.cancel()
    const second = await write()
    const body = await expectProblem(second, 429)
    expect(body['violated-policies']).toEqual(['payment-writes'])
  })
})
