import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api'
import type { Logger } from '../log'

/** `trace_id` / `span_id` of a context's span, for a JSON log line; empty outside a trace. */
export function traceLogFields(ctx: Context = context.active()): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(ctx)
  if (!span || !isSpanContextValid(span)) return {}
  return { trace_id: span.traceId, span_id: span.spanId }
}

/**
 * A logger whose every line carries the `trace_id` and `span_id` of the span active
 * when it is written: the request's server span (or the client span of a call in
 * flight), so lines of any code that runs within a request can be joined to its
 * trace — the access log, the request logger's lines, the resilience layer's.
 *
 * @example
 * ```ts
 * const logger = traceAwareLogger(createLogger({ service: 'switchyard' }))
 * ```
 */
export function traceAwareLogger(logger: Logger): Logger {
  return {
    log: (level, msg, fields) => logger.log(level, msg, { ...traceLogFields(), ...fields }),
    child: (fields) => traceAwareLogger(logger.child(fields)),
  }
}
