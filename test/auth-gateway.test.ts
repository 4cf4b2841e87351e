import { describe, expect, it } from 'vitest'
import { expectProblem, gateway, originStats, resetOrigin } from './helpers'
import { bearer, claimsFor, DEV_USERS, signToken, tokenFor, type DevUser } from './tokens'

interface Tokens {
  access_token: string
  refresh_token: string
  expires_in: number
  token_type: string
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

async function login(user: DevUser): Promise<Tokens> {
  const { email, password } = DEV_USERS[user]
  const res = await gateway('/api/v2/auth/login', json({ email, password }))
  expect(res.status).toBe(200)
  return (await res.json()) as Tokens
}

const me = (token: string) => gateway('/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } })

/** A 401 problem+json with an RFC 6750 challenge; returns the challenge. */
async function expectUnauthorized(res: Response, error?: string): Promise<string> {
  await expectProblem(res, 401)
  const challenge = res.headers.get('www-authenticate') ?? ''
  expect(challenge).toMatch(/^Bearer realm="switchyard"/)
  if (error) {
    expect(challenge).toContain(`error="${error}"`)
    expect(challenge).toMatch(/error_description="[^"\\]+"/)
  } else {
    expect(challenge).not.toContain('error=')
  }
  return challenge
}

describe('identity lifecycle through the gateway', () => {
  it('login → protected route → refresh → logout', async () => {
    const first = await login('ada')
    expect(first.token_type).toBe('Bearer')

    const profile = await me(first.access_token)
    expect(profile.status).toBe(200)
    expect(await profile.json()).toMatchObject({ id: 1, email: 'ada@example.com' })

    const refreshed = await gateway('/api/v2/auth/refresh', json({ refresh_token: first.refresh_token }))
    expect(refreshed.status).toBe(200)
    const second = (await refreshed.json()) as Tokens
    expect((await me(second.access_token)).status).toBe(200)
    // The spent refresh token is dead.
    await expectProblem(await gateway('/api/v2/auth/refresh', json({ refresh_token: first.refresh_token })), 400)

    const out = await gateway('/api/v2/auth/logout', json({ refresh_token: second.refresh_token }))
    expect(out.status).toBe(204)
    await expectProblem(await gateway('/api/v2/auth/refresh', json({ refresh_token: second.refresh_token })), 400)
  })

  it('GET /api/v2/users/me is the caller’s own profile, fetched as /users/{sub}', async () => {
    await resetOrigin('users')
    const res = await gateway('/api/v2/users/me', { headers: await bearer('grace') })
    expect(await res.json()).toMatchObject({ id: 2, email: 'grace@example.com', role: 'admin' })
    expect((await originStats('users')).byPath).toEqual({ '/users/2': 1 })
  })

  it('PATCH /api/v2/users/me changes only the caller', async () => {
    const headers = { 'content-type': 'application/json', ...(await bearer('alan')) }
    const res = await gateway('/api/v2/users/me', { method: 'PATCH', headers, body: '{"name":"Alan M. Turing"}' })
    expect(await res.json()).toMatchObject({ id: 3, name: 'Alan M. Turing' })
    await gateway('/api/v2/users/me', { method: 'PATCH', headers, body: '{"name":"Alan Turing"}' })
  })
})

describe('route policies from the route table', () => {
  it('no token on a protected route → 401 with a bare Bearer challenge', async () => {
    await expectUnauthorized(await gateway('/api/v2/users/me'))
    await expectUnauthorized(await gateway('/api/v2/users/me', { headers: { authorization: 'Basic YTpi' } }))
    const head = await gateway('/api/v2/users/me', { method: 'HEAD' })
    expect(head.status).toBe(401)
  })

  it('a customer without users:read → 403 insufficient_scope naming the scope', async () => {
    const res = await gateway('/api/v2/users', { headers: await bearer('ada') })
    const body = await expectProblem(res, 403)
    expect(body.required_scopes).toEqual(['users:read'])
    const challenge = res.headers.get('www-authenticate')!
    expect(challenge).toContain('error="insufficient_scope"')
    expect(challenge).toContain('scope="users:read"')
  })

  it('a role requirement: refunds are for admins', async () => {
    const path = '/api/v2/payments/charges/1/refunds'
    const body = await expectProblem(await gateway(path, json({ amount_cents: 1 }, await bearer('ada'))), 403)
    expect(body.required_roles).toEqual(['admin'])
  })

  it('the scheme name is case-insensitive', async () => {
    const res = await gateway('/api/v2/users/me', { headers: { authorization: `bearer ${await tokenFor('ada')}` } })
    expect(res.status).toBe(200)
  })

  it('an admin passes the same routes', async () => {
    expect((await gateway('/api/v2/users?limit=1', { headers: await bearer('grace') })).status).toBe(200)
  })

  it('public routes need no token: login, JWKS, health, docs, catalogue', async () => {
    expect((await gateway('/.well-known/jwks.json')).status).toBe(200)
    expect((await gateway('/health/live')).status).toBe(200)
    expect((await gateway('/api/v2/users/openapi.json')).status).toBe(200)
    expect((await gateway('/api/v2/inventory/SKU-RED-MUG')).status).toBe(200)
    const login = await gateway('/api/v2/auth/login', json({ email: 'ada@example.com', password: 'wrong' }))
    await expectProblem(login, 400)
  })

  it('a public route ignores the Authorization header and forwards no identity', async () => {
    await resetOrigin('inventory')
    const res = await gateway('/api/v2/inventory/SKU-RED-MUG', {
      headers: { authorization: 'Bearer not-a-token', 'x-switchyard-subject': '2' },
    })
    expect(res.status).toBe(200)
    const seen = (await originStats('inventory')).lastHeaders
    expect(Object.keys(seen).filter((h) => h.startsWith('x-switchyard-'))).toEqual([])
  })

  it('an API path no table declares is not public (fail closed), other paths 404', async () => {
    await expectUnauthorized(await gateway('/api/v2/secret-admin'))
    await expectProblem(await gateway('/api/v2/secret-admin', { headers: await bearer('ada') }), 404)
    await expectProblem(await gateway('/nope'), 404)
  })

  it('an unversioned API path is held to the default version’s policy', async () => {
    await expectProblem(await gateway('/api/users/1', { headers: await bearer('ada') }), 403)
  })
})

describe('acceptance: wrong audience, tampered, expired → 401 problem+json with WWW-Authenticate', () => {
  it('wrong audience', async () => {
    const token = await signToken({ ...claimsFor('ada'), aud: 'another-api' })
    const challenge = await expectUnauthorized(await me(token), 'invalid_token')
    expect(challenge).toContain('another audience')
  })

  it('tampered', async () => {
    const [header, payload, signature] = (await tokenFor('ada')).split('.')
    const claims = JSON.parse(atob(payload!.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>
    const forged = btoa(JSON.stringify({ ...claims, sub: '2', roles: ['admin'] }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '')
    const challenge = await expectUnauthorized(await me(`${header}.${forged}.${signature}`), 'invalid_token')
    expect(challenge).toContain('signature is invalid')
  })

  it('expired', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await signToken({ ...claimsFor('ada'), iat: now - 1000, nbf: now - 1000, exp: now - 100 })
    const res = await me(token)
    const challenge = await expectUnauthorized(res, 'invalid_token')
    expect(challenge).toContain('expired')
  })

  it('a token just past exp but within the clock tolerance still passes', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await signToken({ ...claimsFor('ada'), iat: now - 600, nbf: now - 600, exp: now - 5 })
    expect((await me(token)).status).toBe(200)
  })
})

describe('identity headers to the origin', () => {
  it('carry the verified subject, scopes and roles, never the client’s', async () => {
    await resetOrigin('users')
    const res = await gateway('/api/v2/users/me', {
      headers: {
        ...(await bearer('ada')),
        'x-switchyard-subject': '2',
        'X-Switchyard-Roles': 'admin',
        'x-switchyard-scopes': 'users:write',
        'x-switchyard-identity-signature': 'v1=forged',
      },
    })
    expect(await res.json()).toMatchObject({ id: 1 })
    const seen = (await originStats('users')).lastHeaders
    expect(seen['x-switchyard-subject']).toBe('1')
    expect(seen['x-switchyard-roles']).toBe('customer')
    expect(seen['x-switchyard-scopes']!.split(' ')).toContain('orders:read')
    expect(seen['x-switchyard-scopes']).not.toContain('users:write')
    // Over a binding nothing is signed, and a client's signature never passes through.
    expect(seen['x-switchyard-identity-signature']).toBeUndefined()
  })

  it('a request that fails authentication never reaches the origin', async () => {
    await resetOrigin('users')
    await gateway('/api/v2/users/me', { headers: { 'x-switchyard-subject': '2' } })
    await gateway('/api/v2/users/me', { headers: { authorization: 'Bearer x.y.z', 'x-switchyard-subject': '2' } })
    expect((await originStats('users')).requests).toBe(0)
  })
})
