import { authFromEnv } from '../auth/config'
import { cachingFromEnv } from '../cache/config'
import { corsFromEnv } from '../cors/config'
import { tracingFromEnv } from '../../wire/tracing/config'
import { metricsFromEnv } from '../metrics/config'
import { idempotencyFromEnv } from '../idempotency/env'
import { rateLimitFromEnv } from '../ratelimit/env'
import type { GatewayConfigInput } from './schema'
// What the schema makes of `shippedInput()`, kept beside it (and, in the bundle, beside the
// sections' defaults it repeats, which gzip then finds).
export { shippedOutput } from './shipped.gen'

/** The five origins of this deployment; instances are filled in per runtime. */
export const SERVICE_NAMES = ['auth', 'users', 'orders', 'payments', 'inventory'] as const

/**
 * Workers: every service is one service binding named after it (`USERS`, …).
 * `vars` are the Worker's environment (tracing reads the `OTEL_*` variables, auth
 * `SWITCHYARD_AUTH`, CORS `SWITCHYARD_CORS`).
 */
export function workersConfig(vars: Record<string, unknown> = {}): GatewayConfigInput {
  return {
    services: Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, { bindings: [name.toUpperCase()] }]),
    ),
    auth: authFromEnv(vars),
    tracing: tracingFromEnv(vars),
    metrics: metricsFromEnv(vars),
    caching: cachingFromEnv(vars),
    cors: corsFromEnv(vars),
  }
}

/**
 * The Workers entry's whole config: `workersConfig` with the Redis-backed sections
 * (rate limits, idempotency keys) from the same variables; `warn` gets what they warn.
 */
export function workersInput(vars: Record<string, unknown>, warn?: (message: string) => void): GatewayConfigInput {
  return { ...workersConfig(vars), rateLimit: rateLimitFromEnv(vars, warn), idempotency: idempotencyFromEnv(vars, warn) }
}

/** What `workersInput` gives a deployment that sets no variables (src/config/shipped.gen.ts). */
export const shippedInput = (): GatewayConfigInput => workersInput({}, () => {})

/**
 * Deno: every service is a list of base URLs from `SWITCHYARD_<NAME>_URLS`
 * (comma-separated), e.g. `SWITCHYARD_USERS_URLS=http://127.0.0.1:8801`.
 * The JWKS comes from `SWITCHYARD_JWKS_URL`, by default the first auth URL's
 * `/.well-known/jwks.json`; `SWITCHYARD_IDENTITY_SECRET` signs identity headers.
 * `SWITCHYARD_AUTH` (both runtimes) is JSON over the `auth` section: issuer, audience,
 * algorithms of the own auth origin, and other identity providers (`issuers`).
 */
export function urlConfig(vars: Record<string, string | undefined>): GatewayConfigInput {
  const services = Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const raw = vars[`SWITCHYARD_${name.toUpperCase()}_URLS`] ?? ''
      const urls = raw.split(',').map((u) => u.trim()).filter(Boolean)
      return [name, { urls }]
    }),
  )
  const authUrl = services.auth?.urls[0]?.replace(/\/$/, '')
  const jwksUrl = vars.SWITCHYARD_JWKS_URL || (authUrl && `${authUrl}/.well-known/jwks.json`)
  return {
    services,
    auth: {
      ...(jwksUrl && { jwks: { url: jwksUrl } }),
      ...authFromEnv(vars),
      ...(vars.SWITCHYARD_IDENTITY_SECRET && { identitySecret: vars.SWITCHYARD_IDENTITY_SECRET }),
    },
    tracing: tracingFromEnv(vars),
    metrics: metricsFromEnv(vars),
    caching: cachingFromEnv(vars),
    cors: corsFromEnv(vars),
  }
}
