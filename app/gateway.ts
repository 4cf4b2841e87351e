import type { Context, Hono } from 'hono'
import { createApp } from '../src/app'
import { auth } from '../middleware/auth'
import { authFailures } from '../middleware/auth-failures'
import { cors } from '../middleware/cors'
import { accessLog } from '../middleware/logging'
import { requestMetrics } from '../middleware/metrics'
import { bodyLimit } from '../middleware/body-limit'
import { problemErrorHandler, problemNotFound } from '../middleware/errors'
import { headerStrip } from '../middleware/header-strip'
import { pathNormalize } from '../middleware/path-normalize'
import { rateLimit } from '../middleware/rate-limit'
import { requestId } from '../middleware/request-id'
import { traceContext } from '../middleware/trace-context'
import { versionHeaders, versionNegotiation } from '../middleware/version'
import { compositeTables } from '../routes/aggregates'
import { gatewayRoutes } from '../routes/gateway'
import { RPC_PREFIX, rpcRoutes, rpcServices } from '../routes/rpc'
import { EVENT_SERVICES, type RouteSpec } from '../routes/table'
import { v1Changes, v1Routes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import { wellKnownRoutes } from '../routes/well-known'
import { responseCache } from '../middleware/cache'
import { idempotency } from '../middleware/idempotency'
import { rpcErrors } from '../src/rpc/errors'
import { mountRpcNotFound } from '../src/rpc/pass-through'
import { identitySigningFetch } from '../src/auth/identity-headers'
import { createKeySource } from '../src/auth/jwks'
import { createVerifier } from '../src/auth/verify'
import { apiKeyAdminHandlers } from '../src/apikeys/admin'
import type { ConsumerStore } from '../src/apikeys/store'
import { createKeyVerifier } from '../src/apikeys/verify'
import type { TableFacts } from '../src/config/references'
import { compilePolicy } from '../src/cors/policy'
import { parseConfig, type GatewayConfig } from '../src/config/schema'
import { buildEndpoints, type EndpointStages } from '../src/endpoint/factory'
import { mountEndpoints } from '../src/endpoint/mount'
import type { EndpointTables } from '../src/endpoint/types'
import { createLogger, type Logger, type LogLevel } from '../src/log'
import { createLimiter, type Limiter } from '../src/ratelimit/limiter'
import { requestPath } from '../src/proxy/path'
import type { ProxyOptions } from '../src/proxy/forward'
import { createTelemetry } from '../wire/tracing/telemetry'
import { createMetrics } from '../src/metrics'
import type { GatewayEnv } from '../src/types'
import { createVersioning } from '../src/versioning/versioning'
import { createRegistry, type BindingLookup } from '../src/upstream/registry'
import { cacheStorage } from '../src/cache/storage'
import { createIdempotencyStore } from '../src/idempotency'
import type { IdempotencyStore } from '../src/idempotency/store'
import { docsAssetHandler, type DocsAssetSource } from '../src/docs/assets'
import { openApiHandlers } from '../src/docs/openapi'
import { healthHandlers } from '../src/health/health'
import { homeHandler } from '../src/home/home'
import { statusHandlers } from '../src/status/status'

/** What differs between runtimes; everything else is shared. */
export interface GatewayDeps {
  /** Workers: resolves a binding name in `env`. */
  bindings?: BindingLookup
  /** Fetch for URL upstreams (defaults to the global one). */
  fetch?: typeof fetch
  /** The client's address as the platform saw it (never a client-sent header). */
  clientIp?: (c: Context<GatewayEnv>) => string | undefined
  logger?: Logger
  /** Lowest level the default logger writes (SWITCHYARD_LOG_LEVEL); ignored with `logger`. */
  logLevel?: LogLevel
  /** A rate limiter to use instead of one built from `config.rateLimit` (shared state, stats). */
  rateLimiter?: Limiter
  /** An idempotency store to use instead of one built from `config.idempotency`. */
  idempotencyStore?: IdempotencyStore
  /** Swagger UI's files for the docs pages (Workers static assets, or files under Deno). */
  docsAssets?: DocsAssetSource
  /** Consumers and API keys (the gateway's D1 on Workers); absent: API keys are refused. */
  apiKeyStore?: ConsumerStore
}

/** Every table the gateway mounts (routes/): each entry becomes one endpoint (src/endpoint/factory.ts). */
export const TABLES: EndpointTables = {
  versions: { v1: v1Routes, v2: v2Routes },
  composites: compositeTables,
  root: wellKnownRoutes,
  rpc: { prefix: RPC_PREFIX, services: rpcServices, routes: rpcRoutes },
  gateway: gatewayRoutes,
}
const ROUTE_TABLES = TABLES.versions
/** Every route the API answers, proxied or composite: for the merged document. */
const API_TABLES: Record<string, RouteSpec[]> = Object.fromEntries(
  Object.entries(ROUTE_TABLES).map(([version, routes]) => [
    version,
    [...routes, ...(compositeTables[version] ?? []).map((c): RouteSpec => ({ method: 'GET', path: c.path, service: 'composite', ...(c.auth !== undefined && { auth: c.auth }) }))],
  ]),
)

/** What the config may refer to in the tables: route groups, services, composite parts. */
const TABLE_FACTS: TableFacts = {
  groups: new Set(Object.values(ROUTE_TABLES).flatMap((routes) => routes.flatMap((r) => r.rateLimit?.group ?? []))),
  services: new Set(Object.values(ROUTE_TABLES).flatMap((routes) => routes.map((r) => r.service))),
  compositeParts: Object.entries(compositeTables).flatMap(([version, composites]) =>
    composites.flatMap((c) =>
      Object.entries(c.parts).map(([name, part]) => ({ where: `composites.${version}.${c.path}.parts.${name}.service`, service: part.service })),
    ),
  ),
}

/**
 * Builds the gateway app from a config, validated here (throws on a bad config).
 * Middleware order follows docs/architecture.md: request id · trace context ·
 * logging · errors · hygiene · version negotiation · auth · rate limit · (per
 * endpoint, its own chain: body contract · idempotency keys · cache · handler).
 * Auth, CORS and the limiter read the request's endpoint (`endpointOf(c)`).
 */
export function createGateway(input: unknown, deps: GatewayDeps = {}): Hono<GatewayEnv> {
  const config: GatewayConfig = parseConfig(input, TABLE_FACTS)
  const telemetry = createTelemetry(config.tracing)
  const metrics = createMetrics(config.metrics)
  // Lines logged for a request carry its trace_id and span_id: the access log binds them to
  // the request's logger, the upstream layers take them from the call's trace context.
  const logger = deps.logger ?? createLogger({ service: config.name }, undefined, deps.logLevel)
  // URL upstreams get the caller's identity only signed (src/auth/identity-headers.ts).
  const registry = createRegistry(config, {
    ...deps,
    logger,
    fetch: identitySigningFetch(config.auth.identitySecret, deps.fetch),
    telemetry,
    metrics,
  })
  const clientIp = deps.clientIp ?? (() => undefined)
  const versioning = createVersioning(config, [v1Changes], ROUTE_TABLES)
  const waitUntil = (c: Context<GatewayEnv>, promise: Promise<unknown>) => {
    try {
      c.executionCtx.waitUntil(promise)
    } catch {
      // No execution context (Deno, plain tests): the promise runs on its own.
    }
  }

  const app = createApp<GatewayEnv>({
    // Route on the canonical path; an invalid one falls through to the raw
    // path and is rejected by pathNormalize() before any route runs. Unversioned
    // API paths are routed under their negotiated version (`/api/users/1` → `/api/v2/users/1`).
    getPath: (req) => {
      const result = requestPath(req)
      return result.ok ? versioning.routedPath(req, result.path) : new URL(req.url).pathname
    },
  })

  app.use(requestId())
  app.use(traceContext({ telemetry, waitUntil, clientIp }))
  app.use(accessLog(logger))
  app.use(requestMetrics({ metrics, waitUntil }))
  app.onError(problemErrorHandler)
  app.notFound(problemNotFound)
  // API-Version and Vary on every /api answer, also those given before negotiation (400, 413).
  app.use(versionHeaders({ versioning }))
  // Before hygiene, auth and limits: preflights end here, and every later error keeps its CORS headers.
  app.use(cors({ global: compilePolicy(config.cors) }))
  // RPC callers get errors in their protocol (Connect JSON, gRPC-web trailers), not problem+json.
  app.use(`${RPC_PREFIX}/*`, rpcErrors())
  app.use(pathNormalize())
  app.use(headerStrip())
  app.use(bodyLimit(config.limits.bodyBytes))
  app.use(versionNegotiation({ versioning }))
  // One limiter: the middleware decides with it, /health/ready and /status report it.
  const limiter = config.rateLimit && (deps.rateLimiter ?? createLimiter(config.rateLimit))
  // Failed authentication, before auth: a known offender is refused unverified (src/ratelimit/failures.ts).
  if (config.rateLimit?.failures && limiter) {
    const guard = authFailures({
      config: config.rateLimit,
      failures: config.rateLimit.failures,
      limiter,
      clientIp,
    })
    app.use('/api/*', guard)
    app.use(`${RPC_PREFIX}/*`, guard)
  }
  // One verifier: the auth middleware asks it, the admin routes clear a key they revoke from it.
  const keyVerifier = deps.apiKeyStore && createKeyVerifier(deps.apiKeyStore, config.auth.apiKeys.cacheTtlSeconds)
  app.use(
    auth({
      verifier: createVerifier(config.auth, createKeySource(config.auth, deps), deps),
      realm: config.auth.realm,
      maxTokenBytes: config.auth.maxTokenBytes,
      apiKeys: {
        header: config.auth.apiKeys.header,
        verifier: keyVerifier,
      },
    }),
  )
  if (config.rateLimit) {
    // Who is counted: the identity auth verified just above, else the address; in which
    // partitions: the endpoint's scope (a composite's, the services its parts call).
    const limit = rateLimit({ config: config.rateLimit, clientIp, limiter })
    app.use('/api/*', limit)
    app.use(`${RPC_PREFIX}/*`, limit)
  }
  // Per endpoint, after auth and limits: [body contract, idempotency keys, cache, handler].
  const stages: EndpointStages = {}
  if (config.caching.enabled) {
    const storage = cacheStorage(config.caching.name)
    stages.cache = (rule, route) =>
      responseCache({ storage, version: route.version, perUser: rule.perUser, revalidate: route.revalidate, waitUntil })
  }
  if (config.idempotency.enabled) {
    const store = deps.idempotencyStore ?? createIdempotencyStore(config.idempotency)
    const { ttlSeconds, lockSeconds, failure, retryAfterSeconds, maxKeyLength, maxBodyBytes } = config.idempotency
    stages.idempotency = (rule) =>
      idempotency({ store, required: rule.required, ttlSeconds, lockSeconds, failure, retryAfterSeconds, maxKeyLength, maxBodyBytes, clientIp })
  }

  const proxy: ProxyOptions = { registry, gatewayName: config.name, clientIp, waitUntil }
  const endpoints = buildEndpoints(TABLES, {
    versions: config.versions.supported,
    versioning,
    cors: config.cors,
    proxy,
    stages,
    handlers: {
      home: homeHandler(config),
      ...healthHandlers(config, registry, waitUntil, limiter ? limiter.health : undefined),
      ...statusHandlers({ config, registry, metrics, limiter, waitUntil, eventServices: EVENT_SERVICES }),
      ...openApiHandlers({ tables: API_TABLES, versioning, name: config.name, apiKeyHeader: config.auth.apiKeys.header }),
      'docs-asset': docsAssetHandler(deps.docsAssets),
      ...apiKeyAdminHandlers(deps.apiKeyStore, keyVerifier),
    },
  })
  mountEndpoints(app, endpoints)
  mountRpcNotFound(app, RPC_PREFIX)
  return app
}
