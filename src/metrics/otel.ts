/**
 * The OpenTelemetry side of the gateway's metrics: the instruments below, aggregated in
 * this isolate, exported on demand (never on a timer: timers do not outlive a request on
 * Workers). `flush()` POSTs the aggregation over OTLP/HTTP (JSON) when at least
 * `intervalMs` passed since the last export, and is handed to `waitUntil` after a response.
 *
 * Aggregated here rather than by `@opentelemetry/sdk-metrics`: the SDK (views, exemplars,
 * exponential histograms, readers, a registry) is ≈ 14 KiB gzip of the gateway's
 * 150 KiB bundle budget, for seven instruments of two kinds with fixed attributes and
 * buckets. What it would send is the same OTLP data model: monotonic sums and explicit-
 * bucket histograms per attribute set, cumulative (from the series' first measurement)
 * or delta (since the last export), in the OTLP/JSON encoding of opentelemetry-proto.
 */
import type { Attributes } from '@opentelemetry/api'
import type { MetricsConfig } from './config'

/** Seconds, the OTel semantic-convention unit for HTTP durations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** opentelemetry-proto's AggregationTemporality. */
const DELTA = 1
const CUMULATIVE = 2

export interface Counter {
  add(value: number, attributes?: Attributes): void
}

export interface Histogram {
  record(value: number, attributes?: Attributes): void
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

/** One attribute set's aggregate. */
interface Series {
  attributes: Attributes
  startNs: string
  sum: number
  /** Histograms only. */
  count: number
  min: number
  max: number
  buckets: number[]
}

interface Instrument {
  name: string
  description: string
  unit?: string
  bounds?: number[]
  series: Map<string, Series>
}

const nowNs = () => `${BigInt(Date.now()) * 1_000_000n}`

/** OTLP/JSON AnyValue of an attribute value. */
function anyValue(value: unknown): Record<string, unknown> {
  if (typeof value === 'boolean') return { boolValue: value }
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } }
  return { stringValue: String(value) }
}

const keyValues = (attributes: Attributes) =>
  Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([key, value]) => ({ key, value: anyValue(value) }))

export function createOtelInstruments(config: MetricsConfig, otlp: NonNullable<MetricsConfig['otlp']>): OtelInstruments {
  const temporality = otlp.temporality === 'delta' ? DELTA : CUMULATIVE
  // One isolate is one series: collectors tell isolates apart by instance id.
  const resource = { attributes: keyValues({ 'service.name': config.serviceName, 'service.instance.id': crypto.randomUUID() }) }
  const instruments: Instrument[] = []

  function seriesOf(instrument: Instrument, attributes: Attributes = {}): Series {
    const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)))
    let series = instrument.series.get(key)
    if (!series) {
      const buckets = instrument.bounds ? new Array<number>(instrument.bounds.length + 1).fill(0) : []
      series = { attributes, startNs: nowNs(), sum: 0, count: 0, min: Infinity, max: -Infinity, buckets }
      instrument.series.set(key, series)
    }
    return series
  }
  const instrument = (name: string, description: string, unit?: string, bounds?: number[]): Instrument => {
    const created = { name, description, unit, bounds, series: new Map<string, Series>() }
    instruments.push(created)
    return created
  }
  const counter = (name: string, description: string): Counter => {
    const it = instrument(name, description)
    return {
      add(value, attributes) {
        if (value >= 0) seriesOf(it, attributes).sum += value // monotonic: a negative add is dropped, as the SDK does
      },
    }
  }
  const duration = (name: string, description: string): Histogram => {
    const it = instrument(name, description, 's', DURATION_BUCKETS)
    return {
      record(value, attributes) {
        const s = seriesOf(it, attributes)
        s.sum += value
        s.count += 1
        s.min = Math.min(s.min, value)
        s.max = Math.max(s.max, value)
        // A bucket holds the values up to and including its upper bound.
        const index = DURATION_BUCKETS.findIndex((bound) => value <= bound)
        s.buckets[index === -1 ? DURATION_BUCKETS.length : index]! += 1
      },
    }
  }

  /** The ExportMetricsServiceRequest of everything measured; delta series start over. */
  function collect(): Record<string, unknown> | undefined {
    const timeNs = nowNs()
    const metrics = instruments
      .filter((it) => it.series.size > 0)
      .map((it) => {
        const dataPoints = [...it.series.values()].map((s) => {
          const point = { attributes: keyValues(s.attributes), startTimeUnixNano: s.startNs, timeUnixNano: timeNs }
          return it.bounds
            ? { ...point, count: s.count, sum: s.sum, min: s.min, max: s.max, bucketCounts: s.buckets, explicitBounds: it.bounds }
            : { ...point, asDouble: s.sum }
        })
        if (temporality === DELTA) it.series.clear()
        const data = { aggregationTemporality: temporality, dataPoints }
        return {
          name: it.name,
          description: it.description,
          ...(it.unit && { unit: it.unit }),
          ...(it.bounds ? { histogram: data } : { sum: { ...data, isMonotonic: true } }),
        }
      })
    if (metrics.length === 0) return undefined
    return { resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 'switchyard' }, metrics }] }] }
  }

  async function exportNow(): Promise<void> {
    const body = collect()
    if (!body) return
    const res = await fetch(otlp.endpoint, {
      method: 'POST',
      headers: { ...otlp.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(otlp.timeoutMs),
    })
    await res.body?.cancel()
  }

  // The first request of an isolate exports at once; later ones at most every intervalMs.
  let lastExport = Number.NEGATIVE_INFINITY
  return {
    serverDuration: duration('http.server.request.duration', 'Requests the gateway answered, by route and status'),
    clientDuration: duration('http.client.request.duration', 'Attempts sent to origins, by service and status'),
    retries: counter('switchyard.upstream.retries', 'Retries of upstream calls, and retries refused by the budget'),
    breakerTransitions: counter('switchyard.breaker.transitions', 'Circuit breaker state changes'),
    limiterDecisions: counter('switchyard.ratelimit.decisions', 'Rate-limit decisions, fail-opens included'),
    cacheLookups: counter('switchyard.cache.lookups', 'Response cache outcomes (hit, miss, stale, bypass)'),
    queueMessages: counter('switchyard.queue.messages', 'Queue messages published, consumed, retried and dead-lettered'),
    flush(force = false) {
      if (!force && Date.now() - lastExport < config.intervalMs) return undefined
      lastExport = Date.now()
      // Each export belongs to the request that started it (Workers forbid sharing a
      // promise's I/O across requests); a failed one must not fail that request.
      return exportNow().catch(() => undefined)
    },
  }
}

export type { Attributes }
