/**
 * Declarative route tables: what each API version exposes and where it goes.
 * Policies (auth, rate limits, caching) attach to entries here, never to handlers.
 */
import type { RouteTimeouts } from '../src/upstream/types'
import type { RoutePolicy } from '../src/auth/policy'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RouteSpec {
  method: Method
  /** Path at the origin and, under `/api/<version>`, at the gateway. */
  path: string
  service: string
  /** Overrides the service's per-try timeout and overall deadline for this route. */
  timeout?: RouteTimeouts
  /** Who may call it (src/auth/policy.ts); absent means any authenticated caller. */
  auth?: RoutePolicy
  /** Origin path built from the verified caller instead of the request's, e.g. `/users/{sub}`. */
  originPath?: string
  /** Rate-limit route group: policies with `scope: 'group'` count per caller per group. */
  rateLimit?: { group?: string }
  /**
   * GET responses may be cached at the edge (middleware/cache.ts) when the origin allows
   * it. `perUser`: authenticated callers get entries of their own; otherwise requests
   * with credentials bypass the cache.
   */
  cache?: { perUser?: boolean }
  /**
   * POST/PATCH honour `Idempotency-Key` (middleware/idempotency.ts): answers are stored
   * per caller and key and replayed; `required`: a request without a key → 400. Only
   * such routes let the retry layer resend a keyed POST/PATCH.
   */
  idempotency?: { required?: boolean }
}

/** Every origin serves its own OpenAPI document and Swagger UI under its prefix. */
export function docsRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/openapi.json`, service, auth: 'public', cache: {} },
    { method: 'GET', path: `/${service}/docs`, service, auth: 'public', cache: {} },
  ]
}
