/**
 * The tables' types and the Endpoint built from each entry. Tables (routes/) are data
 * of these types; policies (auth, rate limits, CORS, caching, timeouts) attach to
 * entries, never to handlers. src/endpoint/factory.ts turns each entry into one
 * Endpoint, src/endpoint/mount.ts mounts it once, and `endpointOf(c)`
 * (src/endpoint/lookup.ts) is how every middleware finds it.
 */
import type { DescService } from '@bufbuild/protobuf'
import type { Handler, MiddlewareHandler } from 'hono'
import type { CompositeSpec } from '../aggregate/types'
import type { ResolvedPolicy, RoutePolicy } from '../auth/policy'
import type { CorsOverride } from '../cors/config'
import type { CorsPolicy } from '../cors/policy'
import type { RouteScope } from '../ratelimit/policies'
import type { GatewayEnv } from '../types'
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

/** A composite as a route (GET): its parts, and who may call it (as on a route table entry). */
export interface CompositeRoute extends CompositeSpec {
  /** Route policy (src/auth/policy.ts); absent means any authenticated caller. */
  auth?: RoutePolicy
}

/** A unary procedure and its `idempotency_level` option. */
export interface RpcProcedure {
  name: string
  idempotency: 'IDEMPOTENCY_UNKNOWN' | 'NO_SIDE_EFFECTS' | 'IDEMPOTENT'
}

/** An RPC service the gateway passes through at `/rpc/<package.Service>/<Method>`. */
export interface RpcServiceSpec {
  /** Full name of the service (`switchyard.inventory.v1.InventoryService`). */
  typeName: string
  /**
   * Its unary procedures as plain data, so the route table is built without the
   * descriptor (test/rpc-procedures.test.ts holds them equal to it).
   */
  procedures: readonly RpcProcedure[]
  /**
   * Loads the descriptor (`@bufbuild/protobuf` + gen/) when first needed: only REST →
   * Connect transcoding reads messages, so a cold isolate does not build it.
   */
  descriptor: () => Promise<DescService>
  /** Registry name of the origin that serves it. */
  service: string
  /** Policy of every procedure without one of its own. */
  auth: RoutePolicy
  /** Per-procedure policies, by method name (`ListReservations`). */
  methods?: Record<string, { auth: RoutePolicy }>
  /** CORS of its procedures instead of the global policy. */
  cors?: CorsOverride
}

/** What the gateway answers itself, without an origin: named handlers of the core. */
export type GatewayHandlerName =
  | 'home'
  | 'health-live'
  | 'health-startup'
  | 'health-ready'
  | 'status'
  | 'status-json'
  | 'openapi'
  | 'docs'
  | 'docs-asset'
  | 'consumers-create'
  | 'consumers-list'
  | 'keys-create'
  | 'keys-list'
  | 'keys-revoke'

/** A route of the gateway itself (health, docs, status, admin): at the root, answered by a named handler. */
export interface GatewayRouteSpec {
  method: Method
  path: string
  serves: GatewayHandlerName
  /** Who may call it; absent: anyone (no credential is read). */
  auth?: RoutePolicy
}

/** Every table the gateway mounts. */
export interface EndpointTables {
  /** Proxied routes per API version, under `/api/<version>`. */
  versions: Record<string, RouteSpec[]>
  /** Composite endpoints per API version, under `/api/<version>`. */
  composites: Record<string, CompositeRoute[]>
  /** Proxied routes at the root (`/.well-known/jwks.json`). */
  root: RouteSpec[]
  /** RPC pass-through: the services, and their procedures as route entries under `prefix`. */
  rpc: { prefix: string; services: RpcServiceSpec[]; routes: RouteSpec[] }
  /** The gateway's own routes. */
  gateway: GatewayRouteSpec[]
}

/**
 * One endpoint, built once from its table entry: everything every middleware needs to
 * know about it, and the chain mounted for it. A path's 405 is an endpoint too (method
 * `ALL`), so a preflight or a wrong method still finds its path's CORS policy.
 */
export interface Endpoint {
  /** Path template as mounted: `/api/v2/users/:id`, `/.well-known/jwks.json`. */
  template: string
  /** Method it is mounted for (`ALL` for a path's 405). */
  method: Method | 'ALL'
  /** API version of a versioned route. */
  version?: string
  /** The origin it calls (`composite` for a composite; absent: the gateway answers). */
  service?: string
  /** Who may call it (`unrouted` for a 405: nothing to protect). */
  auth: ResolvedPolicy
  /** Its partitions for `service`/`group`-scoped rate-limit policies (`{}`: none). */
  rateLimit: RouteScope
  /** A login or refresh route: its failed attempts are limited (src/ratelimit/failures.ts). */
  failures?: { account?: string }
  /** CORS policy of its path. */
  cors: CorsPolicy
  /** Overrides of its service's timeouts. */
  timeouts?: RouteTimeouts
  /** Idempotency-Key handling (POST/PATCH that declare it). */
  idempotency?: { required?: boolean }
  /** Edge caching (GET). */
  cache?: { perUser?: boolean }
  /** Mounted as one route, in this order: the route's middleware, then its handler. */
  chain: [...MiddlewareHandler<GatewayEnv>[], Handler<GatewayEnv>]
}
