import { env } from 'cloudflare:workers'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { sha256Base64url } from '../services/auth/src/encoding'
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from '../services/auth/src/passwords'
import { expectProblem } from './helpers'
import { AUDIENCE, DEV_USERS, ISSUER } from './tokens'

const auth = (env as unknown as Record<string, Fetcher>).AUTH!
const db = (env as unknown as Record<string, D1Database>).AUTH_DB!

function post(path: string, body: unknown): Promise<Response> {
  return auth.fetch(`http://auth${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

interface Tokens {
  access_token: string
  token_type: string
  expires_in: number
  refresh_token: string
  scope: string
}

async function revokedReason(refreshToken: string): Promise<string | null> {
  return db
    .prepare(
      `SELECT f.revoked_reason FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id
       WHERE t.token_hash = ?1`,
    )
    .bind(await sha256Base64url(refreshToken))
    .first<string>('revoked_reason')
}

async function login(user: keyof typeof DEV_USERS): Promise<Tokens> {
  const res = await post('/auth/login', { email: DEV_USERS[user].email, password: DEV_USERS[user].password })
  expect(res.status).toBe(200)
  return (await res.json()) as Tokens
}

describe('auth origin: passwords', () => {
  it('stores PBKDF2-SHA256 hashes with ≥ 100 000 iterations and a salt per user', async () => {
    const { results } = await db
      .prepare("SELECT password_hash, salt FROM users WHERE password_hash != '!'")
      .all<{ password_hash: string; salt: string }>()
    expect(results.length).toBeGreaterThanOrEqual(3)
    for (const row of results) {
      const [scheme, iterations] = row.password_hash.split('$')
      expect(scheme).toBe('pbkdf2-sha256')
      expect(Number(iterations)).toBeGreaterThanOrEqual(100_000)
    }
    expect(new Set(results.map((r) => r.salt)).size).toBe(results.length)
  })

  it('hashes with a fresh salt each time and verifies only the right password', async () => {
    const a = await hashPassword('correct horse')
    const b = await hashPassword('correct horse')
    expect(a.salt).not.toBe(b.salt)
    expect(a.password_hash).not.toBe(b.password_hash)
    expect(a.password_hash.startsWith(`pbkdf2-sha256$${PBKDF2_ITERATIONS}$`)).toBe(true)
    expect(await verifyPassword('correct horse', a)).toBe(true)
    expect(await verifyPassword('correct horsE', a)).toBe(false)
    expect(await verifyPassword('anything', null)).toBe(false)
    expect(await verifyPassword('anything', { password_hash: '!', salt: '' })).toBe(false)
  })
})

describe('auth origin: login', () => {
  it('issues an ES256 access token with every required claim and a refresh token', async () => {
    const tokens = await login('ada')
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 })
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const header = decodeProtectedHeader(tokens.access_token)
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'dev-2026-01' })
    const claims = decodeJwt(tokens.access_token)
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: '1', roles: ['customer'] })
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60)
    expect(claims.nbf).toBe(claims.iat)
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/)
    expect(String(claims.scope).split(' ')).toContain('orders:write')
    expect(String(claims.scope).split(' ')).not.toContain('users:read')
  })

  it('gives admins the admin scopes', async () => {
    const claims = decodeJwt((await login('grace')).access_token)
    expect(claims.roles).toEqual(['admin'])
    expect(String(claims.scope).split(' ')).toEqual(expect.arrayContaining(['users:read', 'users:write']))
  })

  it('accepts the email in any case', async () => {
    const res = await post('/auth/login', { email: 'ADA@Example.com', password: DEV_USERS.ada.password })
    expect(res.status).toBe(200)
  })

  it('answers a wrong password and an unknown user alike: 400 invalid_grant', async () => {
    const wrong = await expectProblem(await post('/auth/login', { email: 'ada@example.com', password: 'nope' }), 400)
    const unknown = await expectProblem(await post('/auth/login', { email: 'who@example.com', password: 'nope' }), 400)
    expect(wrong.error).toBe('invalid_grant')
    expect(unknown.detail).toBe(wrong.detail)
  })

  it('refuses an account without a password', async () => {
    await expectProblem(await post('/auth/login', { email: 'ken.thompson@example.com', password: '!' }), 400)
  })

  it('validates the body (400 problem listing the issues)', async () => {
    const body = await expectProblem(await post('/auth/login', { email: 'not-an-email', password: '' }), 400)
    expect(body.type).toContain('validation-error')
    const oversized = await post('/auth/login', { email: 'ada@example.com', password: 'x'.repeat(2000) })
    await expectProblem(oversized, 400)
  })
})

describe('auth origin: refresh and logout', () => {
  it('rotates: the new refresh token works once, the old one stops working', async () => {
    const first = await login('ada')
    const res = await post('/auth/refresh', { refresh_token: first.refresh_token })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const second = (await res.json()) as Tokens
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(decodeJwt(second.access_token).sub).toBe('1')
    const third = await post('/auth/refresh', { refresh_token: second.refresh_token })
    expect(third.status).toBe(200)
  })

  it('reuse of a rotated token revokes the whole family', async () => {
    const first = await login('ada')
    const second = (await (await post('/auth/refresh', { refresh_token: first.refresh_token })).json()) as Tokens
    const reuse = await expectProblem(await post('/auth/refresh', { refresh_token: first.refresh_token }), 400)
    expect(reuse.detail).toContain('already used')
    // The token the legitimate holder got from the rotation is dead too.
    const after = await expectProblem(await post('/auth/refresh', { refresh_token: second.refresh_token }), 400)
    expect(after.detail).toContain('revoked')
    expect(await revokedReason(first.refresh_token)).toBe('reuse')
  })

  it('two refreshes racing with one token: one wins, the other counts as reuse, one token row per win', async () => {
    const first = await login('ada')
    const [a, b] = await Promise.all([
      post('/auth/refresh', { refresh_token: first.refresh_token }),
      post('/auth/refresh', { refresh_token: first.refresh_token }),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 400])
    // The spend and the next token commit together: exactly one successor was written.
    const rows = await db.prepare(
      `SELECT COUNT(*) AS n FROM refresh_tokens WHERE family_id =
         (SELECT family_id FROM refresh_tokens WHERE token_hash = ?1)`,
    )
      .bind(await sha256Base64url(first.refresh_token))
      .first<{ n: number }>()
    expect(rows?.n).toBe(2)
  })

  it('logout revokes the family; unknown tokens are answered 204 as well', async () => {
    const tokens = await login('grace')
    const out = await post('/auth/logout', { refresh_token: tokens.refresh_token })
    expect(out.status).toBe(204)
    expect(await revokedReason(tokens.refresh_token)).toBe('logout')
    await expectProblem(await post('/auth/refresh', { refresh_token: tokens.refresh_token }), 400)
    expect((await post('/auth/logout', { refresh_token: 'A'.repeat(43) })).status).toBe(204)
  })

  it('never stores a refresh token, only its digest', async () => {
    const tokens = await login('alan')
    const stored = await db
      .prepare('SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = ?1')
      .bind(tokens.refresh_token)
      .first<number>('n')
    expect(stored).toBe(0)
  })

  it('rejects malformed refresh tokens with 400', async () => {
    await expectProblem(await post('/auth/refresh', { refresh_token: 'short' }), 400)
    await expectProblem(await post('/auth/refresh', {}), 400)
  })
})

describe('auth origin: JWKS', () => {
  it('publishes the public keys with kid, alg and use, and never a private part', async () => {
    const res = await auth.fetch('http://auth/.well-known/jwks.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toContain('max-age=')
    const { keys } = (await res.json()) as { keys: Record<string, string>[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kid: 'dev-2026-01', alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' })
    expect(keys[0]).not.toHaveProperty('d')
  })
})
