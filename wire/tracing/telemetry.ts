/**
 * Builds the tracing of one gateway (or origin) from its config: which tracer makes
 * spans, the strict W3C propagator, and how spans leave the isolate.
 *
 * - `otlp` set: OpenTelemetry SDK `TracerProvider`, parent-based ratio sampling, a
 *   batch processor over the OTLP/HTTP JSON exporter (./exporter), flushed once per request
 *   (`flush()` handed to `waitUntil`) — one POST per request, not one per span.
 * - no exporter: `PropagationTracer` — fresh ids and sampling flags only.
 * - `runtime`: the runtime's own provider and context (Deno `OTEL_DENO=true`).
 */
import { createContextKey, context, trace, type Context, type TextMapPropagator, type Tracer } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { TracingConfig } from './config'
import { ensureContextManager } from './context-manager'
import { OtlpJsonSpanExporter } from './exporter'
import { CryptoIdGenerator } from './ids'
import { PropagationTracer } from './propagation-tracer'
import { StrictTraceContextPropagator } from './propagator'

export const TRACER_NAME = 'switchyard'

export interface Telemetry {
  /** False: no trace context at all (the benchmark baseline). */
  readonly enabled: boolean
  readonly tracer: Tracer
  readonly propagator: TextMapPropagator
  /** The runtime makes the server span and exports; the gateway adopts its span. */
  readonly runtime: boolean
  /** Spans leave the isolate through our exporter (so `flush()` does work). */
  readonly exporting: boolean
  /** Exports every span ended so far; never rejects. */
  flush(): Promise<void>
}

const propagator = new StrictTraceContextPropagator()
const noFlush = () => Promise.resolve()

export function createTelemetry(config: TracingConfig): Telemetry {
  if (!config.enabled) {
    return { enabled: false, tracer: trace.getTracer(TRACER_NAME), propagator, runtime: false, exporting: false, flush: noFlush }
  }
  if (config.runtime) {
    // The runtime registered its provider and context manager with the API.
    return { enabled: true, tracer: trace.getTracer(config.serviceName), propagator, runtime: true, exporting: false, flush: noFlush }
  }
  ensureContextManager()
  const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) })
  const idGenerator = new CryptoIdGenerator()
  if (!config.otlp) {
    const tracer = new PropagationTracer(sampler, idGenerator)
    return { enabled: true, tracer, propagator, runtime: false, exporting: false, flush: noFlush }
  }
  const exporter = new OtlpJsonSpanExporter(config.otlp)
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler,
    idGenerator,
    spanProcessors: [new BatchSpanProcessor({ exporter, exportTimeoutMillis: config.otlp.timeoutMs })],
  })
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME),
    propagator,
    runtime: false,
    exporting: true,
    // A failed export must not fail the request it rides on; the SDK reports it via diag.
    flush: () => provider.forceFlush({ timeoutMillis: config.otlp!.timeoutMs }).catch(() => undefined),
  }
}

/** The request's telemetry travels in its context, so helpers need no arguments. */
const TELEMETRY = createContextKey('switchyard telemetry')

export const withTelemetry = (ctx: Context, telemetry: Telemetry): Context => ctx.setValue(TELEMETRY, telemetry)

export function activeTelemetry(ctx: Context = context.active()): Telemetry | undefined {
  return ctx.getValue(TELEMETRY) as Telemetry | undefined
}
