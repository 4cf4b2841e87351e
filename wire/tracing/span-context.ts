/**
 * `isSpanContextValid` (two regular expressions over the ids) is asked about the same
 * span context several times per request: for `traceresponse`, every log line, each
 * outgoing `traceparent` and each child span. The span contexts `PropagationTracer`
 * makes are valid by construction (a validated or fresh trace id, a fresh span id), so
 * it marks them and they skip the check; any other span context is checked as before.
 */
import { isSpanContextValid, type SpanContext } from '@opentelemetry/api'

const valid = new WeakSet<SpanContext>()

/** Marks a span context whose ids are known valid. */
export function knownValid<T extends SpanContext>(spanContext: T): T {
  valid.add(spanContext)
  return spanContext
}

export const isValidSpanContext = (spanContext: SpanContext): boolean =>
  valid.has(spanContext) || isSpanContextValid(spanContext)
