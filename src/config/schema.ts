import * as z from 'zod/mini'
import { ConfigError, zodIssues } from './errors'
import { crossReferenceIssues, type TableFacts } from './references'
import { shippedResult } from './shipped'
import { cachingConfigSchema } from '../cache/config'
import { resilienceSchema } from '../upstream/config'
import { authConfigSchema } from '../auth/config'
import { tracingConfigSchema } from '../../wire/tracing/config'
import { metricsConfigSchema } from '../metrics/config'
import { deprecationsSchema } from '../versioning/config'
import { rateLimitConfigSchema } from '../ratelimit/config'
import { idempotencyConfigSchema } from '../idempotency/config'
import { corsConfigSchema } from '../cors/config'

// Every schema here and in the sections' modules is built on its first use (`z.lazy`), not
// when a cold isolate loads the module: the shipped config never goes through zod
// (src/config/shipped.ts).

/** A service name is also its path prefix at the origin (`/users/...`). */
export const serviceNameSchema = z.lazy(() => z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/)))

/**
 * Where a service's instances live. On Workers each instance is a service binding
 * (its name in `env`); on Deno each instance is a base URL.
 */
export const serviceSchema = z.lazy(() => z
  .strictObject({
    bindings: z._default(z.array(z.string().check(z.minLength(1))), []),
    urls: z._default(z.array(z.url({ protocol: /^https?$/ })), []),
    /** A required service that is down makes `/health/ready` answer 503. */
    required: z._default(z.boolean(), true),
  })
  .check(z.refine((s) => s.bindings.length + s.urls.length > 0, {
    message: 'a service needs at least one binding or url',
  })))

export const gatewayConfigSchema = z.lazy(() => z.strictObject({
  /** Name reported in `Via` and logs. */
  name: z._default(z.string().check(z.regex(/^[A-Za-z0-9.-]+$/)), 'switchyard'),
  services: z.record(serviceNameSchema, serviceSchema),
  versions: z._default(
    z.strictObject({
      supported: z._default(z.array(z.string().check(z.regex(/^v[0-9]+$/))).check(z.minLength(1)), ['v1', 'v2']),
      default: z._default(z.string().check(z.regex(/^v[0-9]+$/)), 'v2'),
    }), { supported: ['v1', 'v2'], default: 'v2' }),
  /** Per-version deprecation schedule (Deprecation/Sunset headers, 410 after sunset). */
  deprecations: deprecationsSchema,
  limits: z._default(
    z.strictObject({
      /** Largest request body forwarded to an origin (413 above it). */
      bodyBytes: z._default(z.number().check(z.int(), z.positive()), 1024 * 1024),
    }), { bodyBytes: 1024 * 1024 }),
  health: z._default(
    z.strictObject({
      /** How long readiness waits for each origin's own `/health/ready`. */
      timeoutMs: z._default(z.number().check(z.int(), z.positive()), 2000),
    }), { timeoutMs: 2000 }),
  /** Timeouts, retries, breakers and balancing per service (src/upstream/config.ts). */
  resilience: resilienceSchema,
  /** Access-token verification and identity forwarding (src/auth/config.ts). */
  auth: z.prefault(authConfigSchema, {}),
  /** Trace context, spans and OTLP export (src/tracing/config.ts). */
  tracing: z.prefault(tracingConfigSchema, {}),
  /** Request, upstream, breaker, limiter and cache metrics; OTLP export (src/metrics/config.ts). */
  metrics: z.prefault(metricsConfigSchema, {}),
  /** Rate-limit policies on Redis (src/ratelimit/config.ts); absent → no limiting. */
  rateLimit: z.optional(rateLimitConfigSchema),
  caching: cachingConfigSchema,
  /** Idempotency keys of routes that declare them (src/idempotency/config.ts); memory store by default. */
  idempotency: idempotencyConfigSchema,
  /** Cross-origin browser calls (src/cors/config.ts); per-route overrides sit in the route tables. */
  cors: z.prefault(corsConfigSchema, {}),
}))

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
export type GatewayConfig = z.output<typeof gatewayConfigSchema>
export type ServiceConfig = z.output<typeof serviceSchema>

const NO_TABLES: TableFacts = { groups: new Set(), services: new Set(), compositeParts: [] }

/**
 * Validates a config: every section refuses unknown keys, and names that point
 * elsewhere (services, versions, route groups) must name something real. Throws one
 * `ConfigError` listing every problem with its path.
 */
export function parseConfig(input: unknown, tables: TableFacts = NO_TABLES): GatewayConfig {
  const shipped = shippedResult(input) as GatewayConfig | undefined
  const result = shipped ? { success: true as const, data: shipped } : gatewayConfigSchema.safeParse(input)
  const issues = [...(result.success ? [] : zodIssues(result.error)), ...crossReferenceIssues(input, tables)]
  if (!result.success || issues.length > 0) throw new ConfigError(issues)
  return result.data
}
