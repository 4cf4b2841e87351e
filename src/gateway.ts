import { Hono, type Context } from 'hono'
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
import { compositeRouteSpecs, compositeTables, mountAggregates } from '../routes/aggregates'
import { mountHealth } from '../routes/health'
import { mountHome } from '../routes/home'
import { mountStatus, statusRoutes } from '../routes/status'
import { mountOpenApi } from '../routes/openapi'
import { mountVersion, type ProxyOptions } from '../routes/proxy'
import { v1Changes, v1Routes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import type { RouteSpec } from './endpoint/types'
import { mountWellKnown, wellKnownRoutes } from '../routes/well-known'
import { RPC_PREFIX, rpcRoutes } from '../routes/rpc'
import { rpcErrors } from './rpc/errors'
import { mountRpc } from './rpc/pass-through'
import { identitySigningFetch } from './auth/identity-headers'
import { createKeySource } from './auth/jwks'
import { createPolicyResolver } from './auth/policy'
import { createVerifier } from './auth/verify'
import { apiKeyAdminRoutes, mountApiKeyAdmin } from './apikeys/admin'
import type { ConsumerStore } from './apikeys/store'
import { createKeyVerifier } from './apikeys/verify'
import type { TableFacts } from './config/references'
import { createCorsResolver } from './cors/policy'
import { parseConfig, type GatewayConfig } from './config/schema'
import { createLogger, type Logger } from './log'
import { createLimiter, type Limiter } from './ratelimit/limiter'
import { routeScopeResolver } from './ratelimit/route-scope'
import { requestPath } from './proxy/path'
import { traceAwareLogger } from './tracing/log-fields'
import { createTelemetry } from '../wire/tracing/telemetry'
import { createMetrics } from './metrics'
import type { GatewayEnv } from './types'
import { mountContracts } from './versioning/route-contract'
import { createVersioning } from './versioning/versioning'
import { createRegistry, type BindingLookup } from './upstream/registry'
import { cacheStorage } from './cache/storage'
import { createIdempotencyStore } from './idempotency'
import type { IdempotencyStore } from './idempotency/store'
import { mountDocsAssets, type DocsAssetSource } from './docs/assets'

/** What differs between runtimes; everything else is shared. */
export interface GatewayDeps {
  /** Workers: resolves a binding name in `env`. */
  bindings?: BindingLookup
  /** Fetch for URL upstreams (defaults to the global one). */
  fetch?: typeof fetch
  /** The client's address as the platform saw it (never a client-sent header). */
  clientIp?: (c: Context<GatewayEnv>) => string | undefined
  logger?: Logger
  /** A rate limiter to use instead of one built from `config.rateLimit` (shared state, stats). */
  rateLimiter?: Limiter
  /** An idempotency store to use instead of one built from `config.idempotency`. */
  idempotencyStore?: IdempotencyStore
  /** Swagger UI's files for the docs pages (Workers static assets, or files under Deno). */
  docsAssets?: DocsAssetSource
  /** Consumers and API keys (the gateway's D1 on Workers); absent: API keys are refused. */
  apiKeyStore?: ConsumerStore
}

const ROUTE_TABLES: Record<string, RouteSpec[]> = { v1: v1Routes, v2: v2Routes }
/** Every route the API answers, proxied or composite: for auth policies and the merged document. */
const API_TABLES: Record<string, RouteSpec[]> = Object.fromEntries(
  Object.entries(ROUTE_TABLES).map(([version, routes]) => [version, [...routes, ...compositeRouteSpecs(version)]]),
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
 * logging · errors · hygiene · version negotiation · auth · rate limit · (per route:
 * body contract · idempotency keys · cache).
 */
export function createGateway(input: unknown, deps: GatewayDeps = {}): Hono<GatewayEnv> {
  const config: GatewayConfig = parseConfig(input, TABLE_FACTS)
  const telemetry = createTelemetry(config.tracing)
  const metrics = createMetrics(config.metrics)
  // Lines logged while a request's span is active carry its trace_id and span_id.
  const logger = traceAwareLogger(deps.logger ?? createLogger({ service: config.name }))
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

  const app = new Hono<GatewayEnv>({
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
  app.use(
    cors({
      policyFor: createCorsResolver(config.cors, [
        ...config.versions.supported.map((v) => ({ prefix: `/api/${v}`, routes: API_TABLES[v] ?? [] })),
        { prefix: RPC_PREFIX, routes: rpcRoutes },
      ]),
    }),
  )
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
      tables: config.versions.supported.map((v) => ({ prefix: `/api/${v}`, routes: ROUTE_TABLES[v] ?? [] })),
    })
    app.use('/api/*', guard)
    app.use(`${RPC_PREFIX}/*`, guard)
  }
  app.use(
    auth({
      verifier: createVerifier(config.auth, createKeySource(config.auth, deps), deps),
      policies: createPolicyResolver([
        ...config.versions.supported.map((v) => ({ prefix: `/api/${v}`, routes: API_TABLES[v] ?? [] })),
        // Unversioned paths (`/api/users/1`), should they be routed, get the default version's policies.
        { prefix: '/api', routes: API_TABLES[config.versions.default] ?? [] },
        { prefix: '', routes: [...wellKnownRoutes, ...statusRoutes, ...apiKeyAdminRoutes] },
        { prefix: RPC_PREFIX, routes: rpcRoutes },
      ]),
      realm: config.auth.realm,
      maxTokenBytes: config.auth.maxTokenBytes,
      apiKeys: {
        header: config.auth.apiKeys.header,
        verifier: deps.apiKeyStore && createKeyVerifier(deps.apiKeyStore, config.auth.apiKeys.cacheTtlSeconds),
      },
    }),
  )
  if (config.rateLimit) {
    const tables = config.versions.supported.map((v) => ({ prefix: `/api/${v}`, routes: ROUTE_TABLES[v] ?? [] }))
    tables.push({ prefix: RPC_PREFIX, routes: rpcRoutes })
    const limit = rateLimit({
      config: config.rateLimit,
      // Who is counted: the identity auth verified just above, else the address.
      clientIp,
      // Composites count against the services their parts call (src/ratelimit/policies.ts).
      scope: routeScopeResolver(
        tables,
        config.versions.supported.map((v) => ({
          prefix: `/api/${v}`,
          routes: (compositeTables[v] ?? []).map((c) => ({ path: c.path, services: Object.values(c.parts).map((p) => p.service) })),
        })),
      ),
      limiter,
    })
    app.use('/api/*', limit)
    app.use(`${RPC_PREFIX}/*`, limit)
  }
  // cache: per route (RouteSpec.cache), innermost, in routes/proxy.ts.
  const cache = config.caching.enabled ? { storage: cacheStorage(config.caching.name) } : undefined

  // idempotency keys: per route (RouteSpec.idempotency), in routes/proxy.ts.
  const idempotency = config.idempotency.enabled
    ? { store: deps.idempotencyStore ?? createIdempotencyStore(config.idempotency), config: config.idempotency }
    : undefined

  const proxyOptions: ProxyOptions = { registry, gatewayName: config.name, clientIp, waitUntil, cache, idempotency }
  mountHome(app, config)
  mountHealth(app, config, registry, waitUntil, limiter ? limiter.health : undefined)
  mountStatus(app, { config, registry, metrics, limiter, waitUntil })
  mountWellKnown(app, proxyOptions)
  mountApiKeyAdmin(app, deps.apiKeyStore)
  mountOpenApi(app, { tables: API_TABLES, versioning, name: config.name })
  mountDocsAssets(app, deps.docsAssets)
  for (const version of config.versions.supported) {
    const routes = ROUTE_TABLES[version]
    if (!routes) throw new Error(`no route table for version ${version}`)
    mountContracts(app, version, routes, versioning)
    mountVersion(app, version, routes, proxyOptions)
    mountAggregates(app, version, proxyOptions)
  }
  mountRpc(app, proxyOptions)
  return app
}
