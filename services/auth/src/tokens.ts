/**
 * Access tokens: ES256 JWTs (RFC 9068 profile, `typ: at+jwt`) with iss, aud, sub, iat,
 * nbf, exp, jti, client_id, scope and roles. Lifetime at most 15 minutes.
 */
import { SignJWT } from 'jose'
import type { SigningKeys } from './keys'
import { scopesFor } from './scopes'

export const MAX_ACCESS_TOKEN_SECONDS = 15 * 60

export interface TokenSettings {
  issuer: string
  audience: string
  /** Capped at MAX_ACCESS_TOKEN_SECONDS. */
  lifetimeSeconds: number
}

export interface IssuedAccessToken {
  token: string
  expiresIn: number
  scope: string
}

export async function issueAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  user: { id: number; roles: string[] },
): Promise<IssuedAccessToken> {
  const expiresIn = Math.min(settings.lifetimeSeconds, MAX_ACCESS_TOKEN_SECONDS)
  const now = Math.floor(Date.now() / 1000)
  const scope = scopesFor(user.roles).join(' ')
  const token = await new SignJWT({ client_id: 'switchyard', scope, roles: user.roles })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keys.kid })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(String(user.id))
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + expiresIn)
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey)
  return { token, expiresIn, scope }
}
