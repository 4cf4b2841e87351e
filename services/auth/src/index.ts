/**
 * Auth origin: password login, access tokens (ES256 JWTs), single-use refresh tokens
 * in families, logout, and the JWKS that lets the gateway verify access tokens.
 */
import { createOrigin } from '../../shared/app'
import { ProblemError } from '../../shared/problem'
import type { OriginBindings } from '../../shared/types'
import { signingKeys } from './keys'
import { verifyPassword } from './passwords'
import * as repo from './repo'
import { jwks, login, logout, refresh } from './routes'
import { issueAccessToken, MAX_ACCESS_TOKEN_SECONDS, type TokenSettings } from './tokens'

interface Bindings extends OriginBindings {
  /** Secret: the signing key set (see keys.ts). */
  SIGNING_KEYS?: string
  ISSUER: string
  AUDIENCE: string
  ACCESS_TOKEN_TTL_SECONDS?: string
  REFRESH_TOKEN_TTL_SECONDS?: string
}

const DEFAULT_REFRESH_SECONDS = 14 * 24 * 3600

const seconds = (raw: string | undefined, fallback: number) => {
  const n = Number(raw)
  return Number.isInteger(n) && n > 0 ? n : fallback
}
const tokenSettings = (env: Bindings): TokenSettings => ({
  issuer: env.ISSUER,
  audience: env.AUDIENCE,
  lifetimeSeconds: seconds(env.ACCESS_TOKEN_TTL_SECONDS, MAX_ACCESS_TOKEN_SECONDS),
})
const refreshSeconds = (env: Bindings) => seconds(env.REFRESH_TOKEN_TTL_SECONDS, DEFAULT_REFRESH_SECONDS)

/** RFC 6749 §5.2: a bad password or refresh token is an `invalid_grant`, answered 400. */
const invalidGrant = (detail: string) =>
  new ProblemError({
    status: 400,
    type: 'invalid-grant',
    title: 'Invalid grant',
    detail,
    extensions: { error: 'invalid_grant' },
  })

// RFC 6749 §5.1: token responses must not be cached.
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' }

const app = createOrigin<Bindings>('auth', { description: 'Authentication: credentials and tokens.' })

app.openapi(login, async (c) => {
  const { email, password } = c.req.valid('json')
  const keys = await signingKeys(c.env.SIGNING_KEYS)
  const user = await repo.findByEmail(c.env.DB, email)
  // One message for unknown users and wrong passwords, so it does not tell which.
  if (!(await verifyPassword(password, user)) || !user) throw invalidGrant('The email or password is wrong.')
  const access = await issueAccessToken(keys, tokenSettings(c.env), user)
  const refreshToken = await repo.startFamily(c.env.DB, user.id, refreshSeconds(c.env))
  return c.json(
    {
      access_token: access.token,
      token_type: 'Bearer' as const,
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      scope: access.scope,
    },
    200,
    NO_STORE,
  )
})

const REFRESH_FAILURES = {
  unknown: 'The refresh token is not known.',
  expired: 'The refresh token has expired; log in again.',
  revoked: 'The refresh token was revoked; log in again.',
  reused: 'The refresh token was already used; every token of its login is now revoked.',
} as const

app.openapi(refresh, async (c) => {
  const { refresh_token } = c.req.valid('json')
  const keys = await signingKeys(c.env.SIGNING_KEYS)
  const outcome = await repo.rotate(c.env.DB, refresh_token, refreshSeconds(c.env))
  if (!outcome.ok) throw invalidGrant(REFRESH_FAILURES[outcome.reason])
  // Roles are read again, so a changed role takes effect at the next refresh.
  const user = await repo.findById(c.env.DB, outcome.userId)
  if (!user) throw invalidGrant(REFRESH_FAILURES.unknown)
  const access = await issueAccessToken(keys, tokenSettings(c.env), user)
  return c.json(
    {
      access_token: access.token,
      token_type: 'Bearer' as const,
      expires_in: access.expiresIn,
      refresh_token: outcome.token,
      scope: access.scope,
    },
    200,
    NO_STORE,
  )
})

app.openapi(logout, async (c) => {
  await repo.revokeByToken(c.env.DB, c.req.valid('json').refresh_token)
  return c.body(null, 204, NO_STORE)
})

app.openapi(jwks, async (c) => {
  const keys = await signingKeys(c.env.SIGNING_KEYS)
  // Short enough that a newly published key spreads well before it starts signing.
  return c.json(keys.jwks, 200, { 'Cache-Control': 'public, max-age=300' })
})

export default app
