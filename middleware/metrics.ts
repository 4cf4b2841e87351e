import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Metrics } from '../src/metrics'
import type { GatewayEnv } from '../src/types'
import { endpointOf } from '../src/endpoint/lookup'

export interface RequestMetricsOptions {
  metrics: Metrics
  /** Keeps the export alive after the response (`c.executionCtx.waitUntil`). */
  waitUntil: (c: Context<GatewayEnv>, promise: Promise<unknown>) => void
  /** Name of the gateway's member in `Cache-Status` (config `caching.name`). */
  cacheName?: string
}

/**
 * Records every request (method, route template, status, duration and the cache's
 * outcome) into `metrics`, puts `metrics` on the context for the limiter and others,
 * and, when an export is due, hands it to `waitUntil`: the response never waits.
 *
 * @example app.use(requestMetrics({ metrics: createMetrics(config.metrics), waitUntil }))
 */
export function requestMetrics(options: RequestMetricsOptions): MiddlewareHandler<GatewayEnv> {
  const { metrics, waitUntil, cacheName = 'switchyard' } = options
  return async (c, next) => {
    const started = performance.now()
    c.set('metrics', metrics)
    try {
      await next()
    } finally {
      metrics.request({
        method: c.req.method,
        route: routeOf(c),
        status: c.res.status,
        durationMs: performance.now() - started,
        cache: cacheOutcome(c.res.headers.get('cache-status'), cacheName),
      })
      const exporting = metrics.flush()
      if (exporting) waitUntil(c, exporting)
    }
  }
}

/** The route that answered: the gateway's template, else the handler's own path (not a `*` catch-all). */
function routeOf(c: Context<GatewayEnv>): string | undefined {
  const template = endpointOf(c)?.template
  if (template) return template
  const path = routePath(c)
  return path.includes('*') ? undefined : path
}

/** The gateway's own `Cache-Status` member (RFC 9211) as `hit`, `stale`, `miss` or `bypass`. */
export function cacheOutcome(header: string | null, cacheName: string): string | undefined {
  const member = header?.split(',').map((m) => m.trim()).findLast((m) => m.split(';')[0]?.trim() === cacheName)
  if (!member) return undefined
  const params = member.split(';').slice(1).map((p) => p.trim())
  if (params.includes('hit')) return 'hit'
  const fwd = params.find((p) => p.startsWith('fwd='))?.slice(4)
  return fwd === 'stale' ? 'stale' : fwd === 'bypass' ? 'bypass' : 'miss'
}
