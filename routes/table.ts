/**
 * Declarative route tables: what each API version exposes and where it goes.
 * Policies (auth, rate limits, caching) attach to entries here, never to handlers.
 */
import type { RouteTimeouts } from '../src/upstream/types'
import type { RoutePolicy } from '../src/auth/policy'
import type { CorsOverride } from '../src/cors/config'

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
  /** CORS for this path instead of the global policy (src/cors/config.ts): any field given replaces the global one. */
  cors?: CorsOverride
  /**
   * Backed by an RPC instead of a REST route (google.api.http style): the gateway sends
   * path parameters and query as the request message, over Connect in binary, to
   * `service`, and answers the response message as JSON (src/rpc/transcode.ts).
   * `responseBody` answers one field of it instead of the whole message.
   */
  rpc?: { service: string; method: string; responseBody?: string }
  /**
   * A long-lived answer: `sse` streams (never buffered, coalesced, cached or replayed);
   * `websocket` also hands the client's `Upgrade` on to the origin.
   */
  stream?: 'sse' | 'websocket'
}

/** Origins whose events (services/shared/events/) are documented and dead-lettered. */
export const EVENT_SERVICES = ['orders', 'inventory', 'payments']

/**
 * Every origin serves its own OpenAPI document and Swagger UI under its prefix; one
 * that takes part in events also its AsyncAPI document.
 */
export function docsRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/openapi.json`, service, auth: 'public', cache: {} },
    { method: 'GET', path: `/${service}/docs`, service, auth: 'public', cache: {} },
    ...(EVENT_SERVICES.includes(service)
      ? [{ method: 'GET', path: `/${service}/asyncapi.json`, service, auth: 'public', cache: {} } satisfies RouteSpec]
      : []),
  ]
}

/** An event service's dead letters: listed and replayed by admins only. */
export function deadLetterRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/events/dead-letters`, service, auth: { roles: ['admin'] } },
    { method: 'POST', path: `/${service}/events/dead-letters/:id/replay`, service, auth: { roles: ['admin'] } },
  ]
}
