import { context, trace, type Context } from '@opentelemetry/api'
import { isValidSpanContext } from './span-context'

/** `trace_id` / `span_id` of a context's span, for a JSON log line; empty outside a trace. */
export function traceLogFields(ctx: Context = context.active()): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(ctx)
  if (!span || !isValidSpanContext(span)) return {}
  return { trace_id: span.traceId, span_id: span.spanId }
}
