import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { providerIdentity } from '../src/auth/claims'
import { issuerSchema } from '../src/auth/config'
import { workersConfig } from '../src/config/deployment'
import { rateLimitFromEnv } from '../src/ratelimit/env'
import { customGateway, expectProblem } from './helpers'
import { devIdp, idpIssuer, idpStats, idpToken } from './idp-tokens'
import { bearer, claimsFor, signToken } from './tokens'

const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
const challenge = (res: Response) => res.headers.get('www-authenticate') ?? ''

/** A gateway configured as a deployment would be: the provider comes from SWITCHYARD_AUTH. */
const fromEnv = (issuer: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const vars = { SWITCHYARD_AUTH: JSON.stringify({ issuers: [issuer] }), SWITCHYARD_RATE_LIMIT: 'off', ...extra }
  return customGateway({ ...workersConfig(vars), rateLimit: rateLimitFromEnv(vars) })
}

describe('tokens of another identity provider (configured by environment, JWKS on loopback)', () => {
  const gw = fromEnv(idpIssuer())

  it('RS256, typ JWT, no nbf, no jti → 200 on a protected route; the own tokens still pass', async () => {
    const res = await gw.fetch('/api/v2/users/me', auth(await idpToken()))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 1, email: 'ada@example.com' })
    expect((await gw.fetch('/api/v2/users/me', { headers: await bearer('grace') })).status).toBe(200)
  })

  it('the same token with a wrong audience → 401', async () => {
    const res = await gw.fetch('/api/v2/users/me', auth(await idpToken({ aud: 'https://other.example' })))
    await expectProblem(res, 401)
    expect(challenge(res)).toContain('audience')
  })

  it.each(['ES256', 'EdDSA'] as const)('%s tokens verify too', async (alg) => {
    expect((await gw.fetch('/api/v2/users/me', auth(await idpToken({}, { alg })))).status).toBe(200)
  })

  it('only the configured algorithms', async () => {
    const rsOnly = fromEnv(idpIssuer({ algorithms: ['RS256'] }))
    const res = await rsOnly.fetch('/api/v2/users/me', auth(await idpToken({}, { alg: 'EdDSA' })))
    await expectProblem(res, 401)
    expect(challenge(res)).toContain('algorithm')
  })

  it('scopes (a string or an array) and roles from the mapped claims reach the route policy', async () => {
    const mapped = fromEnv(idpIssuer({ claims: { scopes: 'scp', roles: ['realm_access', 'roles'] } }))
    const reader = await idpToken({ sub: '2', scp: ['users:read'], realm_access: { roles: ['admin'] } })
    expect((await mapped.fetch('/api/v2/users/1', auth(reader))).status).toBe(200)
    const none = await idpToken({ sub: '2', scope: 'users:read' })
    const res = await mapped.fetch('/api/v2/users/1', auth(none))
    await expectProblem(res, 403)
    expect(challenge(res)).toContain('insufficient_scope')
  })

  it('refuses a token of this provider signed with the own auth origin\'s key (keys never cross issuers)', async () => {
    const own = await signToken({ ...claimsFor('grace'), iss: devIdp.issuer, aud: devIdp.audience })
    const res = await gw.fetch('/api/v2/users/me', auth(own))
    await expectProblem(res, 401)
    expect(challenge(res)).toMatch(/No published key|kid/)
  })

  it('refuses a token naming the own issuer but signed by the provider (the own rules apply)', async () => {
    const forged = await idpToken({ ...claimsFor('grace') }, { alg: 'ES256', header: { typ: 'at+jwt' } })
    const res = await gw.fetch('/api/v2/users/me', auth(forged))
    await expectProblem(res, 401)
    expect(challenge(res)).toMatch(/No published key|kid/)
  })

  it.each([
    ['HS256 signed with the provider\'s public key', async () => {
      const publicJwk = JSON.stringify((await (await fetch(`${devIdp.issuer}/jwks.json`)).json()))
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ iss: devIdp.issuer, aud: devIdp.audience, sub: '2', iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: devIdp.privateJwks.RS256.kid })
        .sign(new TextEncoder().encode(publicJwk))
    }, 'algorithm'],
    ['alg none', async () => {
      const [, payload] = (await idpToken()).split('.')
      return `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')}.${payload}.`
    }, undefined],
    ['a jku header', () => idpToken({}, { header: { jku: 'https://evil.example/jwks.json' } }), 'jku'],
    ['a kid with a newline', () => idpToken({}, { header: { kid: 'a\nb' } }), 'kid'],
    ['sub missing', () => idpToken({ sub: undefined }), 'required claim'],
    ['exp in the past', () => idpToken({ iat: 1, exp: 2 }), 'expired'],
  ] as const)('refuses a provider token with %s', async (_, make, description) => {
    const res = await gw.fetch('/api/v2/users/me', auth(await make()))
    await expectProblem(res, 401)
    expect(challenge(res)).toMatch(/^Bearer realm="switchyard", error="invalid_token"/)
    if (description) expect(challenge(res)).toContain(description)
  })

  it('accepts an Entra-style token with x5t beside kid: the key is still found by kid', async () => {
    // Entra ID sets x5t to the signing certificate's SHA-1 thumbprint (27 base64url characters).
    const thumbprint = 'nOo3ZDrODXEK1jKWhXslHR_KXEg'
    const ok = await gw.fetch('/api/v2/users/me', auth(await idpToken({}, { header: { x5t: thumbprint, 'x5t#S256': 'A'.repeat(43) } })))
    expect(ok.status).toBe(200)
    // The thumbprint never selects a key: with a kid the JWKS does not publish, 401.
    const unknownKid = await gw.fetch('/api/v2/users/me', auth(await idpToken({}, { header: { x5t: thumbprint, kid: 'not-published' } })))
    await expectProblem(unknownKid, 401)
    expect(challenge(unknownKid)).toMatch(/No published key|kid/)
    const malformed = await gw.fetch('/api/v2/users/me', auth(await idpToken({}, { header: { x5t: 'not a thumbprint' } })))
    await expectProblem(malformed, 401)
    expect(challenge(malformed)).toContain('x5t')
  })

  it('an unknown issuer → 401 wrong issuer', async () => {
    const res = await gw.fetch('/api/v2/users/me', auth(await idpToken({ iss: 'https://unknown.example' })))
    await expectProblem(res, 401)
    expect(challenge(res)).toContain('issuer')
  })
})

describe('provider settings', () => {
  it('OIDC discovery finds the JWKS from the issuer', async () => {
    const before = await idpStats()
    const gw = fromEnv(idpIssuer({}, { discovery: true }))
    expect((await gw.fetch('/api/v2/users/me', auth(await idpToken()))).status).toBe(200)
    expect((await gw.fetch('/api/v2/users/me', auth(await idpToken()))).status).toBe(200)
    const after = await idpStats()
    expect(after.discovery - before.discovery).toBe(1)
    expect(after.jwks - before.jwks).toBe(1)
  })

  it('typ, when set, must be one of its values', async () => {
    const gw = fromEnv(idpIssuer({ typ: ['at+jwt'] }))
    const plain = await gw.fetch('/api/v2/users/me', auth(await idpToken()))
    await expectProblem(plain, 401)
    expect(challenge(plain)).toContain('typ')
    const at = await idpToken({}, { header: { typ: 'application/AT+JWT' } })
    expect((await gw.fetch('/api/v2/users/me', auth(at))).status).toBe(200)
  })

  it('required claims are a setting', async () => {
    const gw = fromEnv(idpIssuer({ requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'] }))
    const res = await gw.fetch('/api/v2/users/me', auth(await idpToken()))
    await expectProblem(res, 401)
    expect(challenge(res)).toContain('required claim')
    expect((await gw.fetch('/api/v2/users/me', auth(await idpToken({ jti: 'a1' })))).status).toBe(200)
  })

  it('clock tolerance is a setting', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = await idpToken({ iat: now - 600, exp: now - 30 })
    expect((await fromEnv(idpIssuer({ clockToleranceSeconds: 120 })).fetch('/api/v2/users/me', auth(expired))).status).toBe(200)
    const res = await fromEnv(idpIssuer({ clockToleranceSeconds: 0 })).fetch('/api/v2/users/me', auth(expired))
    await expectProblem(res, 401)
    expect(challenge(res)).toContain('expired')
  })

  it('a mapped tier claim sets the caller\'s rate-limit tier', async () => {
    const gw = fromEnv(idpIssuer({ claims: { tier: 'plan' } }), {
      SWITCHYARD_RATE_LIMIT: JSON.stringify({ policies: [{ name: 'burst', quota: 5, window: 60, tiers: { pro: { quota: 50 } } }] }),
      SWITCHYARD_RATE_LIMIT_STORE: 'memory',
    })
    const pro = await gw.fetch('/api/v2/users/me', auth(await idpToken({ plan: 'pro' })))
    expect(pro.headers.get('ratelimit-policy')).toBe('"burst";q=50;w=60')
    const free = await gw.fetch('/api/v2/users/me', auth(await idpToken({ sub: '3' })))
    expect(free.headers.get('ratelimit-policy')).toBe('"burst";q=5;w=60')
  })
})

describe('claim mapping', () => {
  const issuer = (claims: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    issuerSchema.parse({ issuer: 'https://idp.example/', audiences: ['api'], claims, ...extra })
  const base = { iss: 'https://idp.example/', sub: 'auth0|42', aud: 'api', iat: 1, exp: 2 }

  it('reads names with dots as one claim, and paths into objects', () => {
    const id = providerIdentity(
      { ...base, 'https://example.com/roles': ['admin'], realm: { scopes: 'a:b c' } },
      issuer({ roles: 'https://example.com/roles', scopes: ['realm', 'scopes'] }),
    )
    expect(id).toMatchObject({ sub: 'auth0|42', roles: ['admin'], scopes: ['a:b', 'c'] })
  })

  it('prefixes subjects when asked', () => {
    expect(providerIdentity(base, issuer({}, { subjectPrefix: 'auth0:' })).sub).toBe('auth0:auth0|42')
  })

  it.each([
    ['a role with a space', { roles: ['a b'] }],
    ['roles an object', { roles: { admin: true } }],
    ['a scope with a newline', { scope: 'a\nb' }],
    ['a sub with CR LF', { sub: '1\r\nX: y' }],
  ])('refuses %s', (_, claims) => {
    expect(() => providerIdentity({ ...base, ...claims }, issuer())).toThrow(/malformed/)
  })

  it('refuses plain http issuers off loopback, and a bad SWITCHYARD_AUTH', () => {
    expect(issuerSchema.safeParse({ issuer: 'http://idp.example/', audiences: ['api'] }).success).toBe(false)
    expect(() => workersConfig({ SWITCHYARD_AUTH: '[1]' })).toThrow(/SWITCHYARD_AUTH/)
  })
})
