import { Hono, type Context } from 'hono'
import { accessLog } from '../middleware/logging'
import { bodyLimit } from '../middleware/body-limit'
import { problemErrorHandler, problemNotFound } from '../middleware/errors'
import { headerStrip } from '../middleware/header-strip'
import { pathNormalize } from '../middleware/path-normalize'
import { rateLimit } from '../middleware/rate-limit'
import { requestId } from '../middleware/request-id'
import { mountHealth } from '../routes/health'
import { mountVersion } from '../routes/proxy'
import { v1Routes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import type { RouteSpec } from '../routes/table'
import { parseConfig, type GatewayConfig } from './config/schema'
import { createLogger, type Logger } from './log'
import type { CallerIdentity } from './ratelimit/client-key'
import type { Limiter } from './ratelimit/limiter'
import { routeScopeResolver } from './ratelimit/route-scope'
import { requestPath } from './proxy/path'
import type { GatewayEnv } from './types'
import { createRegistry, type BindingLookup } from './upstream/registry'

/** What differs between runtimes; everything else is shared. */
export interface GatewayDeps {
  /** Workers: resolves a binding name in `env`. */
  bindings?: BindingLookup
  /** Fetch for URL upstreams (defaults to the global one). */
  fetch?: typeof fetch
  /** The client's address as the platform saw it (never a client-sent header). */
  clientIp?: (c: Context<GatewayEnv>) => string | undefined
  logger?: Logger
  /** Who a request counts against when rate limiting; defaults to auth's `identity` variable. */
  identity?: (c: Context<GatewayEnv>) => CallerIdentity | undefined
  /** A rate limiter to use instead of one built from `config.rateLimit` (shared state, stats). */
  rateLimiter?: Limiter
}

const ROUTE_TABLES: Record<string, RouteSpec[]> = { v1: v1Routes, v2: v2Routes }

/**
 * Builds the gateway app from a config, validated here (throws on a bad config).
 * Middleware order follows docs/architecture.md: request id · trace context ·
 * logging · errors · hygiene · version negotiation · auth · rate limit · cache.
 */
export function createGateway(input: unknown, deps: GatewayDeps = {}): Hono<GatewayEnv> {
  const config: GatewayConfig = parseConfig(input)
  const registry = createRegistry(config, deps)
  const logger = deps.logger ?? createLogger({ service: config.name })
  const clientIp = deps.clientIp ?? (() => undefined)
  const waitUntil = (c: Context<GatewayEnv>, promise: Promise<unknown>) => {
    try {
      c.executionCtx.waitUntil(promise)
    } catch {
      // No execution context (Deno, plain tests): the promise runs on its own.
    }
  }

  const app = new Hono<GatewayEnv>({
    // Route on the canonical path; an invalid one falls through to the raw
    // path and is rejected by pathNormalize() before any route runs.
    getPath: (req) => {
      const result = requestPath(req)
      return result.ok ? result.path : new URL(req.url).pathname
    },
  })

  app.use(requestId())
  // trace context: see the tracing work (middleware/trace-context.ts)
  app.use(accessLog(logger))
  app.onError(problemErrorHandler)
  app.notFound(problemNotFound)
  app.use(pathNormalize())
  app.use(headerStrip())
  app.use(bodyLimit(config.limits.bodyBytes))
  // version negotiation, auth, rate limit, cache: mounted here by their own work.
  if (config.rateLimit) {
    const tables = config.versions.supported.map((v) => ({ prefix: `/api/${v}`, routes: ROUTE_TABLES[v] ?? [] }))
    app.use(
      '/api/*',
      rateLimit({
        config: config.rateLimit,
        clientIp,
        identity: deps.identity,
        scope: routeScopeResolver(tables),
        limiter: deps.rateLimiter,
      }),
    )
  }

  mountHealth(app, config, registry, waitUntil)
  for (const version of config.versions.supported) {
    const routes = ROUTE_TABLES[version]
    if (!routes) throw new Error(`no route table for version ${version}`)
    mountVersion(app, version, routes, { registry, gatewayName: config.name, clientIp, waitUntil })
  }
  return app
}
