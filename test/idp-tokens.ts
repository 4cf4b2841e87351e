/**
 * Tokens of the stand-in OpenID provider (scripts/dev-idp.mjs, started on loopback by
 * test/setup/idp.ts), signed here with its private keys — shaped as common providers
 * issue access tokens: `typ: JWT`, no `nbf`, no `jti`.
 */
import { env } from 'cloudflare:workers'
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose'

export type IdpAlg = 'RS256' | 'ES256' | 'EdDSA'

interface DevIdp {
  issuer: string
  audience: string
  privateJwks: Record<IdpAlg, JWK & { kid: string }>
}

export const devIdp = JSON.parse((env as unknown as { DEV_IDP: string }).DEV_IDP) as DevIdp

/** The provider as an `auth.issuers` entry, keys from its JWKS URL unless discovery is asked for. */
export function idpIssuer(overrides: Record<string, unknown> = {}, { discovery = false } = {}) {
  return {
    issuer: devIdp.issuer,
    audiences: [devIdp.audience],
    algorithms: ['RS256', 'ES256', 'EdDSA'] as ('RS256' | 'ES256' | 'EdDSA')[],
    ...(!discovery && { jwks: { url: `${devIdp.issuer}/jwks.json` } }),
    ...overrides,
  }
}

export async function idpToken(
  claims: JWTPayload = {},
  { alg = 'RS256', header = {} }: { alg?: IdpAlg; header?: Record<string, unknown> } = {},
): Promise<string> {
  const jwk = devIdp.privateJwks[alg]
  const key = await importJWK(jwk, alg)
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ iss: devIdp.issuer, aud: devIdp.audience, sub: '1', iat: now, exp: now + 3600, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT', kid: jwk.kid, ...header } as { alg: string })
    .sign(key)
}

export const idpStats = async () =>
  (await (await fetch(`${devIdp.issuer}/__stats`)).json()) as { discovery: number; jwks: number }
