/**
 * `isSpanContextValid` (two regular expressions over the ids) is asked about the same
 * span context several times per request: for `traceresponse`, every log line, each
 * outgoing `traceparent` and each child span. The span contexts `PropagationTracer`
 * makes are valid by construction (a validated or fresh trace id, a fresh span id), so
 * it makes them as {@link ValidSpanContext}s, which skip the check; any other span
 * context is checked as before.
 */
import { isSpanContextValid, type SpanContext, type TraceState } from '@opentelemetry/api'

/**
 * A span context whose ids are known valid: only `PropagationTracer` makes them, from
 * ids it knows valid. Its class is the mark, rather than a weak set of such contexts:
 * a weak entry per span costs the garbage collector work on every request.
 */
export class ValidSpanContext implements SpanContext {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly traceFlags: number,
    readonly traceState?: TraceState,
  ) {}
}

export const isValidSpanContext = (spanContext: SpanContext): boolean =>
  spanContext instanceof ValidSpanContext || isSpanContextValid(spanContext)
