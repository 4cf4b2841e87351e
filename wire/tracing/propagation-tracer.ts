/**
 * The tracer used when nothing exports: every span is a non-recording span with a
 * fresh span id in the right trace and the sampling decision in its flags. That is
 * all propagation, `traceresponse` and log lines need, at the cost of two random ids
 * (no attributes, events or timestamps are kept).
 */
import {
  context,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api'
import { SamplingDecision, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace'
import { CryptoIdGenerator } from './ids'
import { isValidSpanContext, ValidSpanContext } from './span-context'

export class PropagationTracer implements Tracer {
  /** Its ids are valid by construction (a validated parent's trace id, or fresh CSPRNG ids). */
  readonly #validIds: boolean

  constructor(
    private readonly sampler: Sampler,
    private readonly ids: IdGenerator,
  ) {
    this.#validIds = ids instanceof CryptoIdGenerator
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx)
    const valid = parent !== undefined && isValidSpanContext(parent)
    const traceId = valid ? parent.traceId : this.ids.generateTraceId()
    const result = this.sampler.shouldSample(ctx, traceId, name, options.kind ?? SpanKind.INTERNAL, {}, [])
    const spanId = this.ids.generateSpanId()
    const traceFlags = result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE
    const traceState = valid ? parent.traceState : undefined
    if (this.#validIds) return trace.wrapSpanContext(new ValidSpanContext(traceId, spanId, traceFlags, traceState))
    return trace.wrapSpanContext(traceState ? { traceId, spanId, traceFlags, traceState } : { traceId, spanId, traceFlags })
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F
    const [options, ctx = context.active()] = rest as [SpanOptions | undefined, Context | undefined]
    const span = this.startSpan(name, options, ctx)
    return context.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>
  }
}
