import * as z from 'zod/mini'

/**
 * An allowed origin: an exact `scheme://host[:port]`, or a pattern where `*` stands for
 * a run of letters, digits, `-` and `.` (`https://*.example.com`, `http://localhost:*`).
 * `*` alone allows any origin (never with credentials).
 */
const originSchema = () =>
  z.string().check(z.regex(/^(\*|https?:\/\/[a-z0-9.*-]+(:(\d{1,5}|\*))?)$/, 'an origin is scheme://host[:port] in lowercase, * allowed'))

const headerName = () => z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/))
const method = () => z.string().check(z.regex(/^[A-Z]+$/))

/** The headers a browser client needs to read (rate limits, tracing, versions, deprecation, created resources). */
export const DEFAULT_EXPOSED_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'traceresponse',
  'API-Version',
  'Deprecation',
  'Sunset',
  'Link',
  'Location',
  'X-Request-Id',
  // Marks an answer replayed for a repeated Idempotency-Key (middleware/idempotency.ts).
  'Idempotent-Replayed',
]

export const DEFAULT_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-API-Key',
  'API-Version',
  'Accept-Version',
  'Idempotency-Key',
  'Prefer',
  'If-Match',
  'If-None-Match',
  'traceparent',
  'tracestate',
]

// Built by the two schemas below on their first use, like every config schema (src/config/schema.ts).
const policyFields = () => ({
  origins: z.array(originSchema()),
  methods: z.array(method()).check(z.minLength(1)),
  allowHeaders: z.array(headerName()),
  exposeHeaders: z.array(headerName()),
  credentials: z.boolean(),
  /** Seconds a browser may cache a preflight answer. */
  maxAgeSeconds: z.number().check(z.int(), z.gte(0), z.lte(86_400)),
})

const noWildcardWithCredentials = (p: { origins?: string[]; credentials?: boolean }) =>
  !(p.credentials && p.origins?.includes('*'))
const WILDCARD_MESSAGE = 'origin "*" cannot be combined with credentials'

/** The gateway-wide CORS policy. No origins (the default): no browser on another origin is let in. */
export const corsConfigSchema = z.lazy(() => {
  const fields = policyFields()
  return z
    .strictObject({
      origins: z._default(fields.origins, []),
      methods: z._default(fields.methods, ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
      allowHeaders: z._default(fields.allowHeaders, DEFAULT_ALLOWED_HEADERS),
      exposeHeaders: z._default(fields.exposeHeaders, DEFAULT_EXPOSED_HEADERS),
      credentials: z._default(fields.credentials, false),
      maxAgeSeconds: z._default(fields.maxAgeSeconds, 600),
    })
    .check(z.refine(noWildcardWithCredentials, WILDCARD_MESSAGE))
})

/**
 * A route's override (`cors` on its route-table entry): any field replaces the global one.
 * Each field optional as `z.partial` would make it, spelled out: `z.partial` costs the
 * bundle ≈ 0.4 KiB gzip.
 */
export const corsOverrideSchema = z.lazy(() => {
  const fields = policyFields()
  return z
    .strictObject({
      origins: z.optional(fields.origins),
      methods: z.optional(fields.methods),
      allowHeaders: z.optional(fields.allowHeaders),
      exposeHeaders: z.optional(fields.exposeHeaders),
      credentials: z.optional(fields.credentials),
      maxAgeSeconds: z.optional(fields.maxAgeSeconds),
    })
    .check(z.refine(noWildcardWithCredentials, WILDCARD_MESSAGE))
})

export type CorsConfig = z.output<typeof corsConfigSchema>
export type CorsConfigInput = z.input<typeof corsConfigSchema>
export type CorsOverride = z.input<typeof corsOverrideSchema>

/**
 * `SWITCHYARD_CORS` (Workers var or Deno env): JSON of the policy, e.g.
 * `{"origins":["https://app.example.com","https://*.preview.example.com"],"credentials":true}`.
 * Unset: the defaults (no origin allowed). Invalid JSON fails the config check at startup.
 */
export function corsFromEnv(vars: Record<string, unknown>): CorsConfigInput | undefined {
  const raw = typeof vars.SWITCHYARD_CORS === 'string' ? vars.SWITCHYARD_CORS.trim() : ''
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as CorsConfigInput
  } catch {
    throw new Error('SWITCHYARD_CORS is not valid JSON')
  }
}
