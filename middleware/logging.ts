import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../src/log'
import type { GatewayEnv } from '../src/types'
import { traceLogFields } from '../wire/tracing/log-fields'
import { endpointOf } from '../src/endpoint/lookup'

/**
 * One access-log line per request: request id, trace and span id, method, route,
 * status, upstream and duration. Also puts a request-bound logger on the context for
 * other code: every line it writes carries the request id and the `trace_id` / `span_id`
 * of the request's server span (`c.get('trace')`, set by middleware/trace-context.ts
 * before this runs), bound once here rather than looked up per line.
 *
 * @example app.use(accessLog(createLogger({ service: 'gateway' })))
 */
export function accessLog(logger: Logger): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const started = performance.now()
    const requestLogger = logger.child({ request_id: c.get('requestId'), ...traceLogFields(c.get('trace')) })
    c.set('logger', requestLogger)
    try {
      await next()
    } finally {
      const status = c.res.status
      requestLogger.log(status >= 500 ? 'error' : 'info', 'request', {
        method: c.req.method,
        path: c.req.path,
        route: endpointOf(c)?.template ?? null,
        status,
        upstream: c.get('upstream') ?? null,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      })
    }
  }
}
