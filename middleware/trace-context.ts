import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { routePath } from 'hono/route'
import { ProblemError } from '../wire/problem'
import { TRACERESPONSE, traceparentOf } from '../wire/tracing/propagator'
import { endServerSpan, startServerSpan } from '../wire/tracing/server-span'
import type { Telemetry } from '../wire/tracing/telemetry'
import type { GatewayEnv } from '../src/types'
import { endpointOf } from '../src/endpoint/lookup'
import { editResponseHeaders } from './response-headers'

export interface TraceContextOptions {
  /** From `createTelemetry(config.tracing)`. */
  telemetry: Telemetry
  /** Keeps the span export alive after the response; defaults to `c.executionCtx.waitUntil`. */
  waitUntil?: (c: Context<GatewayEnv>, promise: Promise<unknown>) => void
  /** The client's address as the platform saw it, for `client.address`. */
  clientIp?: (c: Context<GatewayEnv>) => string | undefined
  /** Send `traceresponse` (W3C Trace Context Level 2 draft) on every response. Default true. */
  traceResponse?: boolean
}

/** The route that answered: the gateway's template, else the handler's own path (not a `*` catch-all). */
function routeOf(c: Context<GatewayEnv>): string | undefined {
  const template = endpointOf(c)?.template
  if (template) return template
  const path = routePath(c)
  return path.includes('*') ? undefined : path
}

/**
 * W3C trace context for every request: continues a valid `traceparent` (and its
 * `tracestate`), else starts a new trace with a random id; opens a SERVER span named
 * `{method} {route}` and puts its context on the request as `c.get('trace')`, which
 * every upstream call is handed (its client span becomes the server span's child) and
 * whose ids the access log binds to the request's logger; answers with
 * `traceresponse: 00-<trace-id>-<span-id>-<flags>`; exports the spans after the
 * response when an exporter is configured.
 *
 * The rest of the request does not run with that context active: in workerd with Node
 * compatibility every promise made inside an `AsyncLocalStorage` frame carries the
 * frame, and this one cost a request ≈ 20–50 µs of CPU. The few calls that look for the
 * active context (jose's JWKS fetch, the Redis client) are run in it with `withinTrace`.
 *
 * @example
 * ```ts
 * const telemetry = createTelemetry(config.tracing)
 * app.use(requestId())
 * app.use(traceContext({ telemetry, waitUntil: (c, p) => c.executionCtx.waitUntil(p) }))
 * app.use(accessLog(logger)) // its lines carry trace_id and span_id of c.get('trace')
 * ```
 */
export function traceContext(options: TraceContextOptions): MiddlewareHandler<GatewayEnv> {
  const { telemetry, traceResponse = true } = options
  if (!telemetry.enabled) return (_c, next) => next()
  return async (c, next) => {
    const server = startServerSpan(telemetry, c.req.raw, options.clientIp?.(c))
    c.set('trace', server.context)
    try {
      await next()
    } finally {
      const error = c.error
      endServerSpan(server, {
        route: routeOf(c),
        status: c.res.status,
        error,
        expected: error instanceof ProblemError || error instanceof HTTPException,
      })
      const traceresponse = traceResponse ? traceparentOf(server.context) : undefined
      if (traceresponse) editResponseHeaders(c, (headers) => headers.set(TRACERESPONSE, traceresponse))
      if (telemetry.exporting) (options.waitUntil ?? keepAlive)(c, telemetry.flush())
    }
  }
}

/** Default `waitUntil`: the Workers execution context if there is one, else the promise runs on its own. */
function keepAlive(c: Context<GatewayEnv>, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise)
  } catch {
    // No execution context (Deno, app.fetch in tests).
  }
}

