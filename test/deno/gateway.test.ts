import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { DEV_IDENTITY_SECRET, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
import { login as loginAt } from './support'

interface Running {
  base: string
  stop: () => void
  output: () => string
}

/** node:http, because fetch refuses to send a `Connection` header. */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

let origins: { urls: Record<string, string>; dispose: () => Promise<void> }
let gw: Running

beforeAll(async () => {
  const secret = DEV_IDENTITY_SECRET as string
  origins = await startOriginServers({ vars: { IDENTITY_SECRET: secret } })
  gw = await startDenoGateway({
    urls: origins.urls,
    port: await freePort(),
    env: { SWITCHYARD_IDENTITY_SECRET: secret },
  })
  adminToken = await login('grace@example.com', 'grace-dev-password')
})

afterAll(async () => {
  gw?.stop()
  await origins?.dispose()
})

let adminToken: string

const get = (path: string, init?: RequestInit) => fetch(`${gw.base}${path}`, init)
const asAdmin = (): RequestInit => ({ headers: { authorization: `Bearer ${adminToken}` } })

const login = (email: string, password: string) => loginAt(gw.base, email, password)

async function usersOriginHeaders(): Promise<Record<string, string>> {
  const res = await fetch(`${origins.urls.users}/__faults/stats`)
  return ((await res.json()) as { lastHeaders: Record<string, string> }).lastHeaders
}

describe('gateway under deno serve, origins over HTTP', () => {
  it('proxies GET /api/v2/users/1', async () => {
    const res = await get('/api/v2/users/1', asAdmin())
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 1, name: 'Ada Lovelace', email: 'ada@example.com' })
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('reports all five origins ready', async () => {
    const res = await get('/health/ready')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { dependencies: Record<string, { status: string }> }
    expect(Object.keys(body.dependencies).sort()).toEqual(['auth', 'inventory', 'orders', 'payments', 'users'])
  })

  it('answers 404 and 413 as problem+json', async () => {
    const notFound = await get('/nope')
    expect(notFound.status).toBe(404)
    expect(notFound.headers.get('content-type')).toBe('application/problem+json')
    const tooLarge = await get('/api/v2/orders', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers.get('content-type')).toBe('application/problem+json')
  })

  it('uses the connection address, not X-Forwarded-For, and drops Connection-named headers', async () => {
    await fetch(`${origins.urls.users}/__faults/stats`, { method: 'DELETE' })
    const status = await rawGet(`${gw.base}/api/v2/users/1`, {
      authorization: `Bearer ${adminToken}`,
      'x-forwarded-for': '10.9.9.9',
      connection: 'keep-alive, x-secret',
      'x-secret': '1',
    })
    expect(status).toBe(200)
    const stats = (await (await fetch(`${origins.urls.users}/__faults/stats`)).json()) as {
      lastHeaders: Record<string, string>
    }
    expect(stats.lastHeaders['x-forwarded-for']).toBe('127.0.0.1')
    expect(stats.lastHeaders['x-secret']).toBeUndefined()
  })

  it('rejects an encoded slash with 400', async () => {
    expect((await get('/api/v2/users/1%2F..%2Forders')).status).toBe(400)
  })
})

describe('identity under deno serve: JWKS from a URL, signed identity headers', () => {
  it('login → /api/v2/users/me, with the identity signed for the users origin', async () => {
    await fetch(`${origins.urls.users}/__faults/stats`, { method: 'DELETE' })
    const token = await login('ada@example.com', 'ada-dev-password')
    const res = await get('/api/v2/users/me', { headers: { authorization: `Bearer ${token}`, 'x-switchyard-subject': '2' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 1, email: 'ada@example.com' })
    const seen = await usersOriginHeaders()
    expect(seen['x-switchyard-subject']).toBe('1')
    expect(seen['x-switchyard-identity-signature']).toMatch(/^v1=/)
  })

  it('no token → 401 problem+json with a Bearer challenge; a forged token → invalid_token', async () => {
    const anonymous = await get('/api/v2/users/me')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json')
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="switchyard"')
    const none = `${btoa('{"alg":"none","kid":"dev-2026-01"}').replace(/=+$/, '')}.e30.`
    const forged = await get('/api/v2/users/me', { headers: { authorization: `Bearer ${none}` } })
    expect(forged.status).toBe(401)
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('an origin at a URL refuses identity headers the gateway did not sign', async () => {
    const res = await fetch(`${origins.urls.users}/users/1`, { headers: { 'x-switchyard-subject': '2' } })
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })
})
