import { z } from 'zod'

/**
 * Asymmetric algorithms only: the verification keys are public, so an HMAC algorithm
 * here would let anyone who has the JWKS forge tokens (the classic alg confusion).
 */
export const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const

/** Where the gateway gets the issuer's public keys (JWKS). */
const jwksSourceSchema = z.union([
  /** Workers: over a service binding (the auth origin), no public network. */
  z.strictObject({
    binding: z.string().min(1),
    path: z.string().startsWith('/').default('/.well-known/jwks.json'),
  }),
  /** Deno or any runtime without bindings: an HTTPS (or loopback HTTP) URL. */
  z.strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      // Keys fetched over plain HTTP could be swapped on the way: only loopback may skip TLS.
      .refine((u) => u.startsWith('https:') || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(`${u}/`), {
        message: 'the JWKS URL must be https (plain http only on loopback)',
      }),
  }),
])

export const authConfigSchema = z.strictObject({
  jwks: jwksSourceSchema.default({ binding: 'AUTH', path: '/.well-known/jwks.json' }),
  /** Must equal the auth service's ISSUER / AUDIENCE (services/auth/wrangler.toml). */
  issuer: z.string().min(1).default('https://auth.switchyard.example'),
  audience: z.string().min(1).default('switchyard-api'),
  algorithms: z.array(z.enum(ALLOWED_ALGORITHMS)).min(1).default(['ES256']),
  /** Required `typ` header (RFC 9068 access tokens), so an ID token or other JWT never passes. */
  typ: z.string().min(1).default('at+jwt'),
  /** Allowed clock skew for exp, nbf and iat. */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  /** Oldest `iat` accepted; also bounds a token's whole lifetime. */
  maxTokenAgeSeconds: z.number().int().positive().max(86_400).default(900),
  /** Tokens longer than this are refused before any parsing. */
  maxTokenBytes: z.number().int().min(256).max(65_536).default(8192),
  /** `realm` of `WWW-Authenticate`. */
  realm: z.string().regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/).default('switchyard'),
  jwksCache: z
    .strictObject({
      /** How long fetched keys are used before the next fetch. */
      maxAgeMs: z.number().int().positive().default(600_000),
      /** An unknown `kid` refetches at most this often. */
      cooldownMs: z.number().int().min(0).default(30_000),
      timeoutMs: z.number().int().positive().max(30_000).default(2_000),
    })
    .prefault({}),
  /**
   * HMAC key for identity headers sent to URL upstreams (≥ 32 characters). Without it,
   * identity is never sent over a URL (bindings need no signature).
   */
  identitySecret: z.string().min(32).optional(),
})

export type AuthConfig = z.output<typeof authConfigSchema>
export type AuthConfigInput = z.input<typeof authConfigSchema>
