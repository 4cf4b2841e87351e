import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { accountFromBody } from '../src/ratelimit/failures'
import { DEFAULT_FAILURES } from '../src/ratelimit/env'
import { originStats, resetOrigin } from './helpers'
import { limitedGateway, parseLimitField, redisCommand, uniqueIp, verifiedUser } from './ratelimit-support'

/** The second gateway instance (vitest.config.ts): the deployed entry with the default failure limits. */
const gatewayB = (env as unknown as { GATEWAY_B: Fetcher }).GATEWAY_B

const ALAN = { email: 'alan.turing@example.com', password: 'alan-dev-password' }
const GRACE = { email: 'grace@example.com', password: 'grace-dev-password' }
const ADA = { email: 'ada@example.com', password: 'ada-dev-password' }

/** GATEWAY_B's policy, so both instances share every partition. */
const shared = { policies: [{ name: 'shared', quota: 100, window: 3600 }] }

const loginInit = (ip: string, body: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
  body,
})
const credentials = (email: string, password: string) => JSON.stringify({ email, password })

/** The account partition's key, as the gateway names it. */
async function accountKey(email: string): Promise<string> {
  const id = await accountFromBody(new TextEncoder().encode(JSON.stringify({ email })), 'email')
  return `sy:rl:{acct:${id}}:failed-login`
}
const addressKey = (ip: string) => `sy:rl:{ip:${ip}}:failed-auth`

const loginsAtOrigin = async () => (await originStats('auth')).byPath['/auth/login'] ?? 0

// Accounts locked here are the seeded dev accounts: unlock them for the files after this one.
afterEach(async () => {
  for (const { email } of [ALAN, GRACE, ADA]) await redisCommand(['DEL', await accountKey(email)])
})

describe('failed logins, limited per account and per address', () => {
  it('refuses the 6th attempt on an account after 5 wrong passwords, even with the right one, without calling the origin', async () => {
    const gw = limitedGateway({ ...shared, failures: DEFAULT_FAILURES })
    const ip = uniqueIp()
    await resetOrigin('auth')
    for (let i = 0; i < 5; i++) {
      const res = await gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(ALAN.email, `wrong-${i}`)))
      expect(res.status).toBe(400)
      expect(parseLimitField(res.headers.get('ratelimit')).get('failed-login')).toMatchObject({ r: 5 - i })
    }
    expect(await loginsAtOrigin()).toBe(5)

    const refused = await gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(ALAN.email, ALAN.password)))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800)
    expect(parseLimitField(refused.headers.get('ratelimit-policy')).get('failed-login')).toEqual({ q: 5, w: 900 })
    expect(parseLimitField(refused.headers.get('ratelimit')).get('failed-login')).toMatchObject({ r: 0 })
    const problem = (await refused.json()) as Record<string, unknown>
    expect(problem).toMatchObject({ status: 429, 'violated-policies': ['failed-login'] })
    // From another address too: the account is what is locked.
    expect((await gw.fetch('/api/v2/auth/login', loginInit(uniqueIp(), credentials(ALAN.email, ALAN.password)))).status).toBe(429)
    expect(await loginsAtOrigin()).toBe(5)
    expect(await redisCommand(['ZCARD', await accountKey(ALAN.email)])).toBe(5)

    // Another account from the same address still logs in: its address has 45 failures left.
    const other = await gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(GRACE.email, GRACE.password)))
    expect(other.status).toBe(200)
    expect(parseLimitField(other.headers.get('ratelimit')).get('failed-auth')).toMatchObject({ r: 45 })

    // An account that does not exist is locked the same way, with the same answer: nothing tells them apart.
    const nobody = `nobody-${crypto.randomUUID()}@example.com`
    const other_ip = uniqueIp()
    for (let i = 0; i < 5; i++) await gw.fetch('/api/v2/auth/login', loginInit(other_ip, credentials(nobody, 'guess')))
    const unknown = await gw.fetch('/api/v2/auth/login', loginInit(other_ip, credentials(nobody, 'guess')))
    expect(unknown.status).toBe(429)
    const { instance: _a, ...lockedUnknown } = (await unknown.json()) as Record<string, unknown>
    const { instance: _b, ...lockedKnown } = problem
    expect(lockedUnknown).toEqual(lockedKnown)
  })

  it('a successful login empties its account count, never its address count', async () => {
    const gw = limitedGateway({ ...shared, failures: DEFAULT_FAILURES })
    const ip = uniqueIp()
    const attempt = (password: string) => gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(ADA.email, password)))
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).status).toBe(400)
    expect((await attempt(ADA.password)).status).toBe(200)
    expect(await redisCommand(['EXISTS', await accountKey(ADA.email)])).toBe(0)
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).status).toBe(400)
    expect(await redisCommand(['ZCARD', await accountKey(ADA.email)])).toBe(4)
    expect(await redisCommand(['ZCARD', addressKey(ip)])).toBe(8)
  })

  it('refuses every account from an address past its failure limit', async () => {
    const gw = limitedGateway({ ...shared, failures: { address: { quota: 3, window: 900 }, account: { quota: 5, window: 900 } } })
    const ip = uniqueIp()
    for (let i = 0; i < 3; i++) {
      const res = await gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(`spray-${i}-${crypto.randomUUID()}@example.com`, 'guess')))
      expect(res.status).toBe(400)
    }
    await resetOrigin('auth')
    const res = await gw.fetch('/api/v2/auth/login', loginInit(ip, credentials(GRACE.email, GRACE.password)))
    expect(res.status).toBe(429)
    expect(await res.json()).toMatchObject({ 'violated-policies': ['failed-auth'] })
    expect(await loginsAtOrigin()).toBe(0)
    // Another address is not affected.
    expect((await gw.fetch('/api/v2/auth/login', loginInit(uniqueIp(), credentials(GRACE.email, GRACE.password)))).status).toBe(200)
  })

  it('answers a malformed login body 400 problem+json (never 500), counted against the address only', async () => {
    const gw = limitedGateway({ ...shared, failures: DEFAULT_FAILURES })
    const ip = uniqueIp()
    const bodies = ['{"email":', 'not json', '[1,2]', '{"email":42,"password":"x"}', '{"email":"","password":"x"}', 'null', '']
    for (const body of bodies) {
      const res = await gw.fetch('/api/v2/auth/login', loginInit(ip, body))
      expect(res.status, body).toBe(400)
      expect(res.headers.get('content-type'), body).toBe('application/problem+json')
      await res.body?.cancel()
    }
    expect(await redisCommand(['ZCARD', addressKey(ip)])).toBe(bodies.length)
  })

  it('counts failures in Redis across two gateway instances', async () => {
    const gw = limitedGateway({ ...shared, failures: DEFAULT_FAILURES })
    await resetOrigin('auth')
    const viaB = (ip: string, body: string) => gatewayB.fetch('http://gateway.test/api/v2/auth/login', loginInit(ip, body))
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/auth/login', loginInit(uniqueIp(), credentials(ALAN.email, 'no')))).status).toBe(400)
    for (let i = 0; i < 2; i++) expect((await viaB(uniqueIp(), credentials(ALAN.email, 'no'))).status).toBe(400)
    // Neither instance saw 5 itself; the store did.
    expect((await gw.fetch('/api/v2/auth/login', loginInit(uniqueIp(), credentials(ALAN.email, ALAN.password)))).status).toBe(429)
    expect((await viaB(uniqueIp(), credentials(ALAN.email, ALAN.password))).status).toBe(429)
    expect(await loginsAtOrigin()).toBe(5)
  })
})

describe('401s, limited per address', () => {
  it('counts refused tokens against the address, then refuses it before verifying anything', async () => {
    const gw = limitedGateway({ ...shared, failures: { address: { quota: 3, window: 900 }, account: { quota: 5, window: 900 } } })
    const ip = uniqueIp()
    const get = (authorization: string) =>
      gw.fetch('/api/v2/users/1', { headers: { 'cf-connecting-ip': ip, authorization } })
    const bad = ['Bearer not.a.token', `Bearer ${(await verifiedUser()).authorization.slice(7, -4)}AAAA`, 'Bearer x']
    for (const authorization of bad) expect((await get(authorization)).status).toBe(401)
    expect(await redisCommand(['ZCARD', addressKey(ip)])).toBe(3)

    // Even a valid token: the address is refused before its token is looked at.
    const res = await get((await verifiedUser()).authorization)
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(parseLimitField(res.headers.get('ratelimit')).get('failed-auth')).toMatchObject({ r: 0 })
    expect(await res.json()).toMatchObject({ 'violated-policies': ['failed-auth'] })
    expect(gw.logs.filter((l) => l.msg === 'access token rejected')).toHaveLength(3)
    expect(gw.logs.filter((l) => l.msg === 'failed authentication limit reached')).toHaveLength(1)
    // Other addresses are not affected.
    const user = await verifiedUser()
    expect((await gw.fetch('/api/v2/users/1', { headers: { 'cf-connecting-ip': uniqueIp(), authorization: user.authorization } })).status).toBe(200)
  })
})
