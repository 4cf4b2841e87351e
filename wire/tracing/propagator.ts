/**
 * The one propagator of the gateway and the origins: W3C Trace Context with the
 * strict rules of `w3c.ts`, behind OpenTelemetry's `TextMapPropagator` interface so
 * the API's `propagation` helpers and any carrier (Headers, a queue message) work.
 */
import {
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api'
import { isTracingSuppressed } from '@opentelemetry/core'
import { isValidSpanContext } from './span-context'
import { FLAG_RANDOM, FLAG_SAMPLED, formatTraceparent, parseTraceparent, parseTracestate, MemberTraceState } from './w3c'

export const TRACEPARENT = 'traceparent'
export const TRACESTATE = 'tracestate'
/** W3C Trace Context Level 2 (draft): the responder's span, so a caller can find the trace. */
export const TRACERESPONSE = 'traceresponse'

/**
 * The Level 2 random flag belongs to the trace id, but the SDK's spans keep only the
 * sampled bit; the flag rides in the context instead, set where a trace is received
 * with it or started here (with a random id).
 */
const RANDOM_TRACE_ID = createContextKey('switchyard random trace id')

export const withRandomTraceId = (ctx: Context, random: boolean): Context =>
  random ? ctx.setValue(RANDOM_TRACE_ID, true) : ctx.deleteValue(RANDOM_TRACE_ID)

/**
 * Where the runtime injects `traceparent` itself (Deno), it passes no `tracestate`
 * on: the caller's, validated here, rides in the context for our calls to add.
 */
const RUNTIME_TRACESTATE = createContextKey('switchyard tracestate for runtime-injected calls')

export const withRuntimeTracestate = (ctx: Context, state: string | undefined): Context =>
  state ? ctx.setValue(RUNTIME_TRACESTATE, state) : ctx

export const runtimeTracestate = (ctx: Context): string | undefined =>
  ctx.getValue(RUNTIME_TRACESTATE) as string | undefined

/** `traceparent` (or `traceresponse`) value of the context's span, if it has a valid one. */
export function traceparentOf(ctx: Context): string | undefined {
  const span = trace.getSpanContext(ctx)
  if (!span || !isValidSpanContext(span)) return undefined
  const random = ctx.getValue(RANDOM_TRACE_ID) === true ? FLAG_RANDOM : 0
  return formatTraceparent(span.traceId, span.spanId, (span.traceFlags & FLAG_SAMPLED) | random)
}

/** Reads a header from `Headers`; a getter for other carriers can be passed to `extract`. */
export const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

export const headersSetter: TextMapSetter<Headers> = {
  set: (headers, key, value) => headers.set(key, value),
}

/** Several values of one field: a list from a getter means the header was repeated. */
const single = (value: string | string[] | undefined) =>
  Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value

export class StrictTraceContextPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(ctx)) return
    const traceparent = traceparentOf(ctx)
    if (!traceparent) return
    setter.set(carrier, TRACEPARENT, traceparent)
    const state = trace.getSpanContext(ctx)?.traceState?.serialize()
    if (state) setter.set(carrier, TRACESTATE, state)
  }

  /** An invalid or missing traceparent leaves `ctx` as it was: the caller starts a new trace. */
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const parent = parseTraceparent(single(getter.get(carrier, TRACEPARENT)))
    if (!parent) return ctx
    const rawState = getter.get(carrier, TRACESTATE)
    const members = parseTracestate(Array.isArray(rawState) ? rawState.join(',') : rawState)
    const remote = trace.setSpanContext(ctx, {
      traceId: parent.traceId,
      spanId: parent.parentId,
      traceFlags: parent.flags & FLAG_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
      ...(members && { traceState: MemberTraceState.of(members) }),
    })
    return withRandomTraceId(remote, (parent.flags & FLAG_RANDOM) !== 0)
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE]
  }
}
