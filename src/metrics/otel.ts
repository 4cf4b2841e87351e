/**
 * The OpenTelemetry side of the gateway's metrics: a MeterProvider per gateway with
 * the instruments below, and a reader that exports on demand (never on a timer:
 * timers do not outlive a request on Workers). `flush()` collects and POSTs the
 * isolate's aggregation over OTLP/HTTP (JSON) when at least `intervalMs` passed since
 * the last export, and is handed to `waitUntil` after a response.
 */
import type { Attributes, Counter, Histogram } from '@opentelemetry/api'
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { MetricsConfig } from './config'

/** Seconds, the OTel semantic-convention unit for HTTP durations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** Exports only when asked: `collect()` then one POST. */
class OnDemandReader extends MetricReader {
  constructor(private readonly exporter: OTLPMetricExporter) {
    super({ aggregationTemporalitySelector: (type) => exporter.selectAggregationTemporality(type) })
  }

  async export(timeoutMillis: number): Promise<void> {
    const { resourceMetrics } = await this.collect({ timeoutMillis })
    if (resourceMetrics.scopeMetrics.every((s) => s.metrics.length === 0)) return
    await new Promise<void>((resolve) => this.exporter.export(resourceMetrics, () => resolve()))
  }

  protected override onForceFlush(): Promise<void> {
    return this.exporter.forceFlush()
  }

  protected override onShutdown(): Promise<void> {
    return this.exporter.shutdown()
  }
}

export interface OtelInstruments {
  serverDuration: Histogram
  clientDuration: Histogram
  retries: Counter
  breakerTransitions: Counter
  limiterDecisions: Counter
  cacheLookups: Counter
  queueMessages: Counter
  /** Exports if `intervalMs` passed since the last export (or `force`); never rejects. */
  flush(force?: boolean): Promise<void> | undefined
}

export function createOtelInstruments(config: MetricsConfig, otlp: NonNullable<MetricsConfig['otlp']>): OtelInstruments {
  const exporter = new OTLPMetricExporter({
    url: otlp.endpoint,
    headers: otlp.headers,
    timeoutMillis: otlp.timeoutMs,
    temporalityPreference:
      otlp.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  })
  const reader = new OnDemandReader(exporter)
  const provider = new MeterProvider({
    // One isolate is one series: collectors tell isolates apart by instance id.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_INSTANCE_ID]: crypto.randomUUID() }),
    readers: [reader],
  })
  const meter = provider.getMeter('switchyard')
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } })

  // The first request of an isolate exports at once; later ones at most every intervalMs.
  let lastExport = Number.NEGATIVE_INFINITY
  return {
    serverDuration: duration('http.server.request.duration', 'Requests the gateway answered, by route and status'),
    clientDuration: duration('http.client.request.duration', 'Attempts sent to origins, by service and status'),
    retries: meter.createCounter('switchyard.upstream.retries', { description: 'Retries of upstream calls, and retries refused by the budget' }),
    breakerTransitions: meter.createCounter('switchyard.breaker.transitions', { description: 'Circuit breaker state changes' }),
    limiterDecisions: meter.createCounter('switchyard.ratelimit.decisions', { description: 'Rate-limit decisions, fail-opens included' }),
    cacheLookups: meter.createCounter('switchyard.cache.lookups', { description: 'Response cache outcomes (hit, miss, stale, bypass)' }),
    queueMessages: meter.createCounter('switchyard.queue.messages', { description: 'Queue messages published, consumed, retried and dead-lettered' }),
    flush(force = false) {
      if (!force && Date.now() - lastExport < config.intervalMs) return undefined
      lastExport = Date.now()
      // Each export belongs to the request that started it (Workers forbid sharing a
      // promise's I/O across requests); a failed one must not fail that request.
      return reader.export(otlp.timeoutMs).catch(() => undefined)
    },
  }
}

export type { Attributes }
