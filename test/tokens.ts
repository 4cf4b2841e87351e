/**
 * Access tokens for tests, signed with the committed dev key exactly as the auth
 * service signs them (services/auth/src/tokens.ts), so a test can call protected
 * routes without a password login, or mint a deliberately wrong token.
 */
import { env } from 'cloudflare:workers'
import { importJWK, SignJWT, type JWTPayload } from 'jose'
import { scopesFor } from '../services/auth/src/scopes'
import { authConfigSchema } from '../src/auth/config'

const defaults = authConfigSchema.parse({})
export const ISSUER = defaults.issuer
export const AUDIENCE = defaults.audience

/** Seeded accounts (services/auth/seed.sql) and their dev passwords (README). */
export const DEV_USERS = {
  ada: { id: 1, email: 'ada@example.com', password: 'ada-dev-password', roles: ['customer'] },
  grace: { id: 2, email: 'grace@example.com', password: 'grace-dev-password', roles: ['admin'] },
  alan: { id: 3, email: 'alan.turing@example.com', password: 'alan-dev-password', roles: ['customer'] },
} as const
export type DevUser = keyof typeof DEV_USERS

interface PrivateJwk extends JsonWebKey {
  kid: string
}

/** The dev signing key set given to the auth Worker (services/auth/.dev.vars). */
export function devKeyJwk(): PrivateJwk {
  const raw = (env as unknown as Record<string, string>).DEV_SIGNING_KEYS!
  const set = JSON.parse(raw) as { active: string; keys: PrivateJwk[] }
  return set.keys.find((k) => k.kid === set.active)!
}

let devKey: Promise<CryptoKey> | undefined
export function devSigningKey(): Promise<CryptoKey> {
  devKey ??= importJWK({ ...devKeyJwk(), alg: 'ES256' }, 'ES256') as Promise<CryptoKey>
  return devKey
}

/** The claims the auth service would issue for `user` now. */
export function claimsFor(user: DevUser): JWTPayload {
  const { id, roles } = DEV_USERS[user]
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: String(id),
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: crypto.randomUUID(),
    client_id: 'switchyard',
    scope: scopesFor(roles).join(' '),
    roles: [...roles],
  }
}

/** Signs `claims` with `header` (default: the dev key's ES256 header). */
export async function signToken(
  claims: JWTPayload,
  header: Record<string, unknown> = {},
  key?: CryptoKey,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: devKeyJwk().kid, ...header } as { alg: string })
    .sign(key ?? (await devSigningKey()))
}

export async function tokenFor(user: DevUser): Promise<string> {
  return signToken(claimsFor(user))
}

/** `{ authorization: 'Bearer …' }` for `user`, to spread into request headers. */
export async function bearer(user: DevUser): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(user)}` }
}

type PathFetch = (path: string, init?: RequestInit) => Promise<Response>

/** Wraps a test fetch so it calls as `user`, unless a request brings its own Authorization. */
export function callingAs(user: DevUser, fetch: PathFetch): PathFetch {
  return async (path, init = {}) => {
    const headers = new Headers(init.headers)
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${await tokenFor(user)}`)
    return fetch(path, { ...init, headers })
  }
}
