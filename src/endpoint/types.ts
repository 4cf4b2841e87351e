/**
 * The route table entry: what a version exposes and where it goes. Tables (routes/)
 * are data of this type; policies (auth, rate limits, caching, timeouts) attach to
 * entries, never to handlers. src/endpoint/build.ts turns each entry into one Endpoint.
 */
import type { RoutePolicy } from '../auth/policy'
import type { CorsOverride } from '../cors/config'
import type { RouteTimeouts } from '../upstream/types'

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
  /**
   * Rate-limit route group: policies with `scope: 'group'` count per caller per group.
   * `failures`: a login or refresh route, its failed attempts limited per address and,
   * when `account` names the JSON body's field that holds it, per account (src/ratelimit/failures.ts).
   */
  rateLimit?: { group?: string; failures?: { account?: string } }
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
  /**
   * Name of the operation in the merged document (`<service>.<operationId>`), where the
   * service's own document names none.
   */
  operationId?: string
}
