/**
 * Access-token verification: the strict shape checks (compact.ts), then the issuer is
 * picked by the token's (still unverified) `iss` — the own auth origin or one of the
 * configured identity providers — and only that issuer's rules apply: its algorithms
 * and `kid` spelling, then jose's `jwtVerify` against its keys with its audience(s),
 * `typ`, time claims with its clock tolerance and its required claims, then the claims
 * the gateway forwards (claims.ts). Any failure is a `TokenError`.
 */
import type { Context as TraceContext } from '@opentelemetry/api'
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { withinTrace } from '../tracing/within'
import type { Identity } from '../types'
import { MalformedClaims, ownIdentity, providerIdentity } from './claims'
import { checkHeader, parseCompactToken, type HeaderRules } from './compact'
import type { AuthConfig, IssuerConfig } from './config'
import { discoveredKeySource, keySourceFor, type KeySourceDeps } from './jwks'
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
  /**
   * @param trace the request's trace context (`c.get('trace')`): a full verification runs
   *   in it, so a key fetch it makes is a client span of the request (tracedFetch)
   */
  verify(token: string, trace?: TraceContext): Promise<Identity>
}

const OWN_REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']
/** Key ids as providers spell them (Cognito's are base64, with `+`, `/`, `=`); only ever compared, never used in a path. */
const PROVIDER_KID = /^[A-Za-z0-9._~+/=-]{1,128}$/

/** Keys that could not be fetched or read: the issuer's fault, not the caller's. */
class KeySourceError extends Error {}

interface IssuerRules {
  header: HeaderRules
  /** Accepted `typ` values, normalized; absent: any. Checked here for providers (jose takes one value). */
  typ?: readonly string[]
  options: JWTVerifyOptions
  getKey: JWTVerifyGetKey
  /** The issuer's key source itself (for the token cache). */
  keys: JWTVerifyGetKey
  identity: (payload: JWTPayload) => Identity
}

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

/** Only a missing kid is the token's fault; any other key-source failure is an outage. */
function guarded(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token)
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw err
      throw new KeySourceError('signing keys unavailable', { cause: err })
    }
  }
}

/** `typ` as RFC 7515 §4.1.9 compares it: case-insensitive, `application/` optional. */
const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '')

function ownRules(config: AuthConfig, keys: JWTVerifyGetKey): IssuerRules {
  return {
    header: { algorithms: config.algorithms },
    options: {
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: config.audience,
      typ: config.typ,
      clockTolerance: config.clockToleranceSeconds,
      maxTokenAge: config.maxTokenAgeSeconds,
      requiredClaims: OWN_REQUIRED_CLAIMS,
    },
    getKey: guarded(keys),
    keys,
    identity: (payload) => ownIdentity(payload, config.maxTokenAgeSeconds),
  }
}

function providerRules(issuer: IssuerConfig, config: AuthConfig, deps: KeySourceDeps): IssuerRules {
  const keys = issuer.jwks
    ? keySourceFor(issuer.jwks, config.jwksCache, deps)
    : discoveredKeySource(issuer.issuer, config.jwksCache, deps)
  return {
    header: { algorithms: issuer.algorithms, kid: PROVIDER_KID },
    typ: issuer.typ?.map(normalizeTyp),
    options: {
      algorithms: [...issuer.algorithms],
      issuer: issuer.issuer,
      audience: issuer.audiences,
      clockTolerance: issuer.clockToleranceSeconds,
      ...(issuer.maxTokenAgeSeconds !== undefined && { maxTokenAge: issuer.maxTokenAgeSeconds }),
      requiredClaims: issuer.requiredClaims,
    },
    getKey: guarded(keys),
    keys,
    identity: (payload) => providerIdentity(payload, issuer),
  }
}

/**
 * @param keys the own auth origin's key source (jwks.ts `createKeySource`)
 * @param deps bindings and fetch for the other providers' keys
 * @param options verified tokens are cached (token-cache.ts) unless `cache: false`
 */
export function createVerifier(
  config: AuthConfig,
  keys: JWTVerifyGetKey,
  deps: KeySourceDeps = {},
  { cache = true }: { cache?: boolean } = {},
): TokenVerifier {
  const issuers = new Map<string, IssuerRules>([[config.issuer, ownRules(config, keys)]])
  for (const issuer of config.issuers) {
    if (issuers.has(issuer.issuer)) throw new Error(`auth.issuers: issuer ${issuer.issuer} is configured twice`)
    issuers.set(issuer.issuer, providerRules(issuer, config, deps))
  }

  const verifier: TokenVerifier = {
    async verify(token, trace) {
      const parsed = parseCompactToken(token, config.maxTokenBytes)
      if (!parsed.ok) throw new TokenError('invalid_token', parsed.description)
      const { payload } = parsed
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new TokenError('invalid_token', 'The token is malformed')
      }
      const iss = (payload as JWTPayload).iss
      if (iss === undefined) throw new TokenError('invalid_token', 'The access token lacks a required claim')
      const rules = typeof iss === 'string' ? issuers.get(iss) : undefined
      if (!rules) throw new TokenError('invalid_token', 'The access token has the wrong issuer')

      const header = checkHeader(parsed.header, rules.header)
      if (!header.ok) throw new TokenError('invalid_token', header.description)
      if (rules.typ && !rules.typ.includes(normalizeTyp(header.header.typ ?? ''))) {
        throw new TokenError('invalid_token', 'The token is not an access token (typ)')
      }
      let verified: JWTPayload
      try {
        verified = (await withinTrace(trace, () => jwtVerify(token, rules.getKey, rules.options))).payload
      } catch (err) {
        if (err instanceof KeySourceError) {
          throw new TokenError('unavailable', 'The signing keys cannot be fetched', { cause: err.cause })
        }
        throw new TokenError('invalid_token', describeFailure(err), { cause: err })
      }
      try {
        return rules.identity(verified)
      } catch (err) {
        if (err instanceof MalformedClaims) throw new TokenError('invalid_token', err.message)
        throw err
      }
    },
  }
  return cache ? withTokenCache(verifier, new Map([...issuers].map(([iss, rules]) => [iss, rules.keys]))) : verifier
}
