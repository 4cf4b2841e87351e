import * as z from 'zod/mini'

/**
 * Asymmetric algorithms only: the verification keys are public, so an HMAC algorithm
 * here would let anyone who has the JWKS forge tokens (the classic alg confusion).
 */
export const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const

/** Where the gateway gets the issuer's public keys (JWKS). */
const jwksSourceSchema = z.lazy(() => z.union([
  /** Workers: over a service binding (the auth origin), no public network. */
  z.strictObject({
    binding: z.string().check(z.minLength(1)),
    path: z._default(z.string().check(z.startsWith('/')), '/.well-known/jwks.json'),
  }),
  /** Deno or any runtime without bindings: an HTTPS (or loopback HTTP) URL. */
  z.strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      // Keys fetched over plain HTTP could be swapped on the way: only loopback may skip TLS.
      .check(z.refine((u) => u.startsWith('https:') || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(`${u}/`), {
        message: 'the JWKS URL must be https (plain http only on loopback)',
      })),
  }),
]))

/** A claim by name (`"https://example.com/roles"`, names may hold dots) or by path into nested objects (`["realm_access", "roles"]`). */
const claimPath = z.lazy(() => z.union([z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(8))]))

/** Plain http only on loopback: keys or discovery fetched over plain HTTP could be swapped on the way. */
const secureUrl = z.lazy(() => z
  .url({ protocol: /^https?$/ })
  .check(z.refine((u) => u.startsWith('https:') || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(`${u}/`), {
    message: 'must be https (plain http only on loopback)',
  })))

/**
 * Another identity provider whose access tokens the gateway accepts (Auth0, Cognito,
 * Keycloak, Entra ID, Firebase, …). A token is matched to its issuer by its `iss` claim,
 * then verified by that issuer's rules only: its keys, audiences, algorithms, `typ`,
 * required claims and clock tolerance.
 */
export const issuerSchema = z.lazy(() => z.strictObject({
  /** The exact `iss` value, e.g. `https://example.eu.auth0.com/`. */
  issuer: secureUrl,
  /**
   * Its keys: a service binding, a JWKS URL, or (absent) OIDC discovery: `jwks_uri` from
   * `<issuer>/.well-known/openid-configuration`.
   */
  jwks: z.optional(jwksSourceSchema),
  /** Accepted `aud` values (the API's identifier at the provider; never a client id, which ID tokens carry). */
  audiences: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  algorithms: z._default(z.array(z.enum(ALLOWED_ALGORITHMS)).check(z.minLength(1)), ['RS256', 'ES256']),
  /** Accepted `typ` header values (case-insensitive, `application/` optional); absent: any or none. */
  typ: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  requiredClaims: z._default(z.array(z.string().check(z.minLength(1))), ['iss', 'sub', 'aud', 'exp', 'iat']),
  clockToleranceSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(300)), 60),
  /** Oldest `iat` accepted (absent: only `exp` bounds a token). */
  maxTokenAgeSeconds: z.optional(z.number().check(z.int(), z.positive(), z.lte(7 * 86_400))),
  /** Which claims become the caller's scopes, roles and rate-limit tier. */
  claims: z.prefault(
    z.strictObject({
      /** A space-separated string (`scope`) or an array (`scp` of some providers). */
      scopes: z._default(claimPath, 'scope'),
      roles: z._default(claimPath, 'roles'),
      tier: z.optional(claimPath),
    }), {}),
  /** Prefixed to `sub` (e.g. `"auth0:"`), so this provider's subjects cannot collide with another issuer's. */
  subjectPrefix: z._default(z.string().check(z.regex(/^[A-Za-z0-9._:@|+-]{0,32}$/)), ''),
}))

export const authConfigSchema = z.lazy(() => z.strictObject({
  /** The own auth origin's keys. The fields down to `maxTokenBytes` are its rules (strict). */
  jwks: z._default(jwksSourceSchema, { binding: 'AUTH', path: '/.well-known/jwks.json' }),
  /** Must equal the auth service's ISSUER / AUDIENCE (services/auth/wrangler.toml). */
  issuer: z._default(z.string().check(z.minLength(1)), 'https://auth.switchyard.example'),
  audience: z._default(z.string().check(z.minLength(1)), 'switchyard-api'),
  algorithms: z._default(z.array(z.enum(ALLOWED_ALGORITHMS)).check(z.minLength(1)), ['ES256']),
  /** Required `typ` header (RFC 9068 access tokens), so an ID token or other JWT never passes. */
  typ: z._default(z.string().check(z.minLength(1)), 'at+jwt'),
  /** Allowed clock skew for exp, nbf and iat. */
  clockToleranceSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(300)), 30),
  /** Oldest `iat` accepted; also bounds a token's whole lifetime. */
  maxTokenAgeSeconds: z._default(z.number().check(z.int(), z.positive(), z.lte(86_400)), 900),
  /** Tokens longer than this are refused before any parsing. */
  maxTokenBytes: z._default(z.number().check(z.int(), z.gte(256), z.lte(65_536)), 8192),
  /** `realm` of `WWW-Authenticate`. */
  realm: z._default(z.string().check(z.regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/)), 'switchyard'),
  jwksCache: z.prefault(
    z.strictObject({
      /** How long fetched keys are used before the next fetch. */
      maxAgeMs: z._default(z.number().check(z.int(), z.positive()), 600_000),
      /** An unknown `kid` refetches at most this often. */
      cooldownMs: z._default(z.number().check(z.int(), z.gte(0)), 30_000),
      timeoutMs: z._default(z.number().check(z.int(), z.positive(), z.lte(30_000)), 2_000),
    }), {}),
  /** API keys of machine consumers (src/apikeys/), stored in the gateway's own D1 (`GATEWAY_DB`). */
  apiKeys: z.prefault(
    z.strictObject({
      /** Request header that carries the key. */
      header: z._default(z.string().check(z.regex(/^[A-Za-z0-9-]+$/)), 'X-API-Key'),
      /** How long an isolate keeps a looked-up key: a revocation takes effect within it. */
      cacheTtlSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(300)), 30),
    }), {}),
  /** Other identity providers, each with its own keys and rules (see `issuerSchema`). */
  issuers: z._default(z.array(issuerSchema).check(z.maxLength(16)), []),
  /**
   * HMAC key for identity headers sent to URL upstreams (≥ 32 characters). Without it,
   * identity is never sent over a URL (bindings need no signature).
   */
  identitySecret: z.optional(z.string().check(z.minLength(32))),
}))

export type AuthConfig = z.output<typeof authConfigSchema>
export type IssuerConfig = z.output<typeof issuerSchema>
export type JwksSource = z.output<typeof jwksSourceSchema>

/**
 * `SWITCHYARD_AUTH` (Workers var or Deno env): JSON merged over the `auth` section, e.g.
 * `{"issuers":[{"issuer":"https://example.eu.auth0.com/","audiences":["https://api.example.com"]}]}`
 * or `{"audience":"my-api","algorithms":["ES256","EdDSA"]}`. Invalid JSON fails at startup.
 */
export function authFromEnv(vars: Record<string, unknown>): Partial<AuthConfigInput> {
  const raw = typeof vars.SWITCHYARD_AUTH === 'string' ? vars.SWITCHYARD_AUTH.trim() : ''
  if (!raw) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new Error('SWITCHYARD_AUTH is not valid JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('SWITCHYARD_AUTH is not a JSON object')
  return parsed as Partial<AuthConfigInput>
}
export type AuthConfigInput = z.input<typeof authConfigSchema>
