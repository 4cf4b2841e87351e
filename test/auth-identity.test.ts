/**
 * Identity headers over a URL: the gateway signs them, an origin holding the shared
 * secret verifies them. USERS_SIGNED is the users Worker configured like an origin
 * served at a URL (IDENTITY_SECRET set); the gateway reaches it through a URL
 * upstream whose network hop is that Worker's binding.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { IDENTITY_HEADERS, signIdentity } from '../wire/identity'
import { customGateway, expectProblem, type OriginStats } from './helpers'
import { bearer } from './tokens'

const vars = env as unknown as Record<string, string>
const bindings = env as unknown as Record<string, Fetcher>
const signedUsers = bindings.USERS_SIGNED!
const SECRET = vars.TEST_IDENTITY_SECRET!

async function stats(): Promise<OriginStats> {
  return (await (await signedUsers.fetch('http://origin/__faults/stats')).json()) as OriginStats
}

/** A gateway whose users service is a URL (the URL transport's fetch goes to USERS_SIGNED). */
function urlGateway(identitySecret?: string) {
  return customGateway(
    { services: { users: { urls: ['https://users.example.net'] } }, auth: identitySecret ? { identitySecret } : {} },
    { fetch: (input, init) => signedUsers.fetch(new Request(input, init)) },
  )
}

const identity = { [IDENTITY_HEADERS.subject]: '2', [IDENTITY_HEADERS.scopes]: 'users:read', [IDENTITY_HEADERS.roles]: 'admin' }

async function signedHeaders(method: string, url: string, secret: string, nowSeconds?: number): Promise<Headers> {
  const headers = new Headers(identity)
  await signIdentity(headers, method, new URL(url), secret, nowSeconds)
  return headers
}

describe('identity headers to URL upstreams', () => {
  beforeEach(async () => {
    await signedUsers.fetch('http://origin/__faults/stats', { method: 'DELETE' })
  })

  it('are signed by the gateway and accepted by the origin', async () => {
    const res = await urlGateway(SECRET).fetch('/api/v2/users/me', { headers: await bearer('ada') })
    expect(await res.json()).toMatchObject({ id: 1 })
    const seen = (await stats()).lastHeaders
    expect(seen[IDENTITY_HEADERS.subject]).toBe('1')
    expect(seen[IDENTITY_HEADERS.signature]).toMatch(/^v1=[A-Za-z0-9_-]{43}$/)
    expect(Math.abs(Number(seen[IDENTITY_HEADERS.timestamp]) - Date.now() / 1000)).toBeLessThan(60)
  })

  it('are dropped, never sent unsigned, when the gateway has no secret', async () => {
    const res = await urlGateway().fetch('/api/v2/users/me', { headers: await bearer('ada') })
    expect(res.status).toBe(200)
    const seen = (await stats()).lastHeaders
    expect(Object.keys(seen).filter((h) => h.startsWith('x-switchyard-'))).toEqual([])
  })

  it('the config refuses a secret shorter than 32 characters', () => {
    expect(() => urlGateway('short')).toThrow(/identitySecret/)
  })
})

describe('an origin with IDENTITY_SECRET trusts only signed identity', () => {
  const url = 'http://users.example.net/users/1'
  const call = (headers: HeadersInit, method = 'GET', target = url) => signedUsers.fetch(target, { method, headers })

  it('accepts a fresh signature for this method and path', async () => {
    expect((await call(await signedHeaders('GET', url, SECRET))).status).toBe(200)
  })

  it('serves anonymous requests (no identity headers)', async () => {
    expect((await call({})).status).toBe(200)
  })

  it.each([
    ['unsigned identity headers', async () => new Headers(identity), 'signature missing'],
    ['a signature made with another secret', () => signedHeaders('GET', url, 'another-secret-0123456789abcdefghijkl'), 'does not match'],
    ['a stale timestamp', () => signedHeaders('GET', url, SECRET, Math.floor(Date.now() / 1000) - 120), 'window'],
    ['a signature for another path', () => signedHeaders('GET', 'http://users.example.net/users/2', SECRET), 'does not match'],
    ['a changed subject', async () => {
      const headers = await signedHeaders('GET', url, SECRET)
      headers.set(IDENTITY_HEADERS.subject, '1')
      return headers
    }, 'does not match'],
  ])('refuses %s with 403', async (_, make, reason) => {
    const body = await expectProblem(await call(await make()), 403)
    expect(body.type).toContain('untrusted-identity')
    expect(String(body.detail)).toContain(reason)
  })

  it('refuses a signature for another method', async () => {
    const headers = await signedHeaders('GET', url, SECRET)
    const res = await call(headers, 'PATCH')
    await expectProblem(res, 403)
  })
})

describe('an origin without IDENTITY_SECRET (reachable only through bindings)', () => {
  it('takes the identity headers as they are', async () => {
    // An owner-scoped read: the subject in the headers decides who gets it.
    const asUser = (subject: string) => ({ [IDENTITY_HEADERS.subject]: subject, [IDENTITY_HEADERS.roles]: 'customer' })
    const read = (headers: HeadersInit) => bindings.ORDERS!.fetch('http://orders/orders/4', { headers })
    expect(await (await read(asUser('2'))).json()).toMatchObject({ id: 4, user_id: 2 })
    await expectProblem(await read(asUser('1')), 404)
    await expectProblem(await read({}), 401)
  })
})

describe('the identity signature', () => {
  it('is HMAC-SHA256 over the documented input (UTF-8), base64url, whichever crypto the runtime signs with', async () => {
    const headers = new Headers({ ...identity, [IDENTITY_HEADERS.subject]: 'zoë' })
    await signIdentity(headers, 'get', new URL('https://users.example.net/users/me?x=1&y=%C3%A9'), SECRET, 1_700_000_000)
    const input = ['switchyard-identity-v1', 'GET', '/users/me?x=1&y=%C3%A9', '1700000000', 'zoë', 'users:read', 'admin'].join('\n')
    const encoder = new TextEncoder()
    const key = await crypto.subtle.importKey('raw', encoder.encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(input)))
    const expected = btoa(String.fromCharCode(...mac)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
    expect(headers.get(IDENTITY_HEADERS.timestamp)).toBe('1700000000')
    expect(headers.get(IDENTITY_HEADERS.signature)).toBe(`v1=${expected}`)
  })
})
