/**
 * Origins continue the gateway's trace. `originTracing(name)` reads the incoming
 * `traceparent`/`tracestate` (the same strict W3C rules as the gateway), runs the
 * request in the origin's own SERVER span, answers with `traceresponse`, and exports
 * its spans when the Worker has `OTEL_EXPORTER_OTLP_ENDPOINT` (or `_TRACES_ENDPOINT`).
 * `originFetch(binding, service)` makes an origin's own calls (orders → inventory)
 * carry a new `traceparent` in turn, each from its own CLIENT span.
 *
 * @example
 * ```ts
 * app.use('*', originTracing('orders'))
 * const inventory = originFetch(c.env.INVENTORY, 'inventory')
 * await inventory('https://inventory/inventory/SKU-1/reserve', { method: 'POST', body })
 * ```
 */
import { context } from '@opentelemetry/api'
import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { routePath } from 'hono/route'
import { tracedFetch } from '../../wire/tracing/client'
import { tracingConfigSchema, tracingFromEnv } from '../../wire/tracing/config'
import { TRACERESPONSE, traceparentOf } from '../../wire/tracing/propagator'
import { endServerSpan, startServerSpan } from '../../wire/tracing/server-span'
import { createTelemetry, type Telemetry } from '../../wire/tracing/telemetry'
import { ProblemError } from './problem'

export { traceLogFields } from '../../wire/tracing/log-fields'

const perService = new Map<string, Telemetry>()

/** The origin's telemetry, made once per isolate (an origin's environment does not change between requests). */
export function originTelemetry(service: string, env: unknown): Telemetry {
  let telemetry = perService.get(service)
  if (!telemetry) perService.set(service, (telemetry = telemetryFor(service, env)))
  return telemetry
}

function telemetryFor(service: string, env: unknown): Telemetry {
  const vars = (env ?? {}) as Record<string, unknown>
  const parsed = tracingConfigSchema.safeParse({ serviceName: `switchyard-${service}`, ...tracingFromEnv(vars) })
  if (parsed.success) return createTelemetry(parsed.data)
  // A bad OTEL_* variable must not take the service down: propagate, export nothing.
  console.error(JSON.stringify({ level: 'error', msg: 'invalid tracing environment', service, error: parsed.error.message }))
  return createTelemetry(tracingConfigSchema.parse({ serviceName: `switchyard-${service}` }))
}

export function originTracing(service: string): MiddlewareHandler {
  return async (c, next) => {
    const telemetry = originTelemetry(service, c.env)
    const server = startServerSpan(telemetry, c.req.raw)
    try {
      await context.with(server.context, next)
    } finally {
      const route = routePath(c)
      const error = c.error
      endServerSpan(server, {
        route: route.includes('*') ? undefined : route,
        status: c.res.status,
        error,
        expected: error instanceof ProblemError || error instanceof HTTPException,
      })
      const traceresponse = traceparentOf(server.context)
      if (traceresponse) c.res.headers.set(TRACERESPONSE, traceresponse)
      if (telemetry.exporting) {
        try {
          c.executionCtx.waitUntil(telemetry.flush())
        } catch {
          // No execution context (plain tests): the export runs on its own.
        }
      }
    }
  }
}

/** A traced fetch over a service binding: one CLIENT span and a fresh traceparent per call. */
export function originFetch(binding: Pick<Fetcher, 'fetch'>, service: string) {
  return tracedFetch((input: RequestInfo | URL, init?: RequestInit) => binding.fetch(input, init), { service })
}
