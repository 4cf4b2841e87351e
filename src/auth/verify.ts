/**
 * Access-token verification: the strict pre-checks (compact.ts), then jose's
 * `jwtVerify` against the issuer's keys with the allow-listed algorithms, issuer,
 * audience, `typ`, time claims with a small tolerance and every required claim, then
 * the shape of the claims the gateway forwards. Any failure is a `TokenError`.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { z } from 'zod'
import type { Identity } from '../types'
import { checkCompactToken } from './compact'
import type { AuthConfig } from './config'
import { withTokenCache } from './token-cache'

/** `invalid_token` → 401; `unavailable` (the keys could not be fetched) → 503. */
export class TokenError extends Error {
  constructor(
    readonly kind: 'invalid_token' | 'unavailable',
    /** Safe for `error_description`: fixed text, no quotes or backslashes. */
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(description, options)
    this.name = 'TokenError'
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>
}

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']

// What the gateway forwards must be safe in a header and unambiguous when joined by spaces.
const Claims = z.looseObject({
  sub: z.string().regex(/^[A-Za-z0-9._:@|+-]{1,128}$/),
  jti: z.string().min(1).max(128),
  iat: z.number().int().nonnegative(),
  nbf: z.number().int().nonnegative(),
  exp: z.number().int().nonnegative(),
  scope: z
    .string()
    .regex(/^[A-Za-z0-9:._/-]+( [A-Za-z0-9:._/-]+)*$/)
    .max(2048)
    .optional(),
  roles: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/)).max(32).optional(),
})

/** Keys that could not be fetched or read: the auth service's fault, not the caller's. */
class KeySourceError extends Error {}

/** jose's errors, told apart by class, mapped to fixed descriptions. */
function describeFailure(err: unknown): string {
  if (err instanceof errors.JWTExpired) {
    return err.claim === 'iat' ? 'The access token is too old' : 'The access token expired'
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `The access token lacks a required claim`
    const which: Record<string, string> = {
      iss: 'The access token has the wrong issuer',
      aud: 'The access token is for another audience',
      nbf: 'The access token is not valid yet',
      iat: 'The access token was issued in the future',
      typ: 'The token is not an access token (typ)',
    }
    return which[err.claim] ?? 'The access token has an invalid claim'
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid'
  if (err instanceof errors.JWKSNoMatchingKey) return 'No published key matches the token kid'
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The token algorithm is not allowed'
  return 'The token is malformed'
}

/** Verified tokens are cached (token-cache.ts) unless `cache: false` (benchmarks of the full check). */
export function createVerifier(config: AuthConfig, keys: JWTVerifyGetKey, { cache = true } = {}): TokenVerifier {
  const rules = { maxBytes: config.maxTokenBytes, algorithms: config.algorithms }
  // Only a missing kid is the token's fault; any other key-source failure is an outage.
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await keys(header, token)
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw err
      throw new KeySourceError('signing keys unavailable', { cause: err })
    }
  }
  const options = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience,
    typ: config.typ,
    clockTolerance: config.clockToleranceSeconds,
    maxTokenAge: config.maxTokenAgeSeconds,
    requiredClaims: REQUIRED_CLAIMS,
  }

  const verifier: TokenVerifier = {
    async verify(token) {
      const check = checkCompactToken(token, rules)
      if (!check.ok) throw new TokenError('invalid_token', check.description)
      let payload: JWTPayload
      try {
        payload = (await jwtVerify(token, getKey, options)).payload
      } catch (err) {
        if (err instanceof KeySourceError) {
          throw new TokenError('unavailable', 'The signing keys cannot be fetched', { cause: err.cause })
        }
        throw new TokenError('invalid_token', describeFailure(err), { cause: err })
      }
      const claims = Claims.safeParse(payload)
      if (!claims.success) throw new TokenError('invalid_token', 'The access token claims are malformed')
      const { sub, scope, roles, exp, iat } = claims.data
      if (exp - iat > config.maxTokenAgeSeconds) {
        throw new TokenError('invalid_token', 'The access token lives longer than allowed')
      }
      return { sub, scopes: scope ? scope.split(' ') : [], roles: roles ?? [], claims: payload as Record<string, unknown> }
    },
  }
  return cache ? withTokenCache(verifier, keys) : verifier
}
