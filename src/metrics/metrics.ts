import type { MetricsConfig } from './config'
import { createOtelInstruments, type OtelInstruments } from './otel'
import { RecentWindow, type RecentSnapshot } from './recent'

/** One request the gateway answered. */
export interface RequestRecord {
  method: string
  /** Route template (`/api/v2/users/:id`); absent when no route matched. */
  route?: string
  status: number
  durationMs: number
  /** The gateway cache's outcome (`hit`, `miss`, `stale`, `bypass`), if it looked. */
  cache?: string
}

/** One attempt sent to an origin: its status, or the error class when none came. */
export interface UpstreamRecord {
  service: string
  method: string
  status?: number
  error?: string
  durationMs: number
  /** 0 for the first attempt of a call, 1 for the first retry, … */
  resendCount: number
}

export type QueueOperation = 'publish' | 'consume' | 'retry' | 'dead-letter'

/**
 * The gateway's (or an origin's) metrics: one call where each event happens. Always
 * keeps a one-minute window of request and error counts (the status page's error
 * rate); records OpenTelemetry instruments only when OTLP export is configured.
 *
 * @example
 * ```ts
 * const metrics = createMetrics(config.metrics)
 * metrics.queue('publish', 'order-events')
 * ctx.waitUntil(metrics.flush() ?? Promise.resolve())
 * ```
 */
export interface Metrics {
  /** OTLP export is configured. */
  readonly exporting: boolean
  request(r: RequestRecord): void
  upstream(u: UpstreamRecord): void
  /** A retry sent (`retried`) or refused by the retry budget (`budget-exhausted`). */
  retry(service: string, outcome: 'retried' | 'budget-exhausted', reason: string): void
  breaker(service: string, from: string, to: string): void
  /** The limiter's outcome (`allowed`, `denied`, `fail-open`, `fail-closed`). */
  limiter(outcome: string): void
  queue(operation: QueueOperation, queue: string, count?: number): void
  /** Requests and errors of the last minute in this isolate. */
  recent(): RecentSnapshot
  /** Starts an export when one is due (or `force`): the promise to hand to `waitUntil`. */
  flush(force?: boolean): Promise<void> | undefined
}

const seconds = (ms: number) => ms / 1000

export function createMetrics(config: MetricsConfig): Metrics {
  const window = new RecentWindow()
  // Built on first use, inside a request: Workers forbid random values and timers at global
  // scope, where the gateway is created (the resource's instance id is random).
  let built: OtelInstruments | undefined
  const instruments = () => (config.otlp ? (built ??= createOtelInstruments(config, config.otlp)) : undefined)
  return {
    exporting: config.otlp !== undefined,
    request({ method, route, status, durationMs, cache }) {
      const error = status >= 500
      window.route(route ? `${method} ${route}` : '(unmatched)', error)
      const otel = instruments()
      if (!otel) return
      otel.serverDuration.record(seconds(durationMs), {
        'http.request.method': method,
        ...(route && { 'http.route': route }),
        'http.response.status_code': status,
        ...(error && { 'error.type': String(status) }),
      })
      if (cache) otel.cacheLookups.add(1, { 'switchyard.cache.status': cache, ...(route && { 'http.route': route }) })
    },
    upstream({ service, method, status, error, durationMs, resendCount }) {
      const failed = error !== undefined || (status !== undefined && status >= 500)
      window.upstream(service, failed)
      instruments()?.clientDuration.record(seconds(durationMs), {
        'switchyard.service': service,
        'http.request.method': method,
        ...(status !== undefined && { 'http.response.status_code': status }),
        ...(failed && { 'error.type': error ?? String(status) }),
        ...(resendCount > 0 && { 'switchyard.retry': true }),
      })
    },
    retry(service, outcome, reason) {
      instruments()?.retries.add(1, { 'switchyard.service': service, 'switchyard.retry.outcome': outcome, 'switchyard.retry.reason': reason })
    },
    breaker(service, from, to) {
      instruments()?.breakerTransitions.add(1, { 'switchyard.service': service, 'switchyard.breaker.from': from, 'switchyard.breaker.to': to })
    },
    limiter(outcome) {
      window.limiter(outcome)
      instruments()?.limiterDecisions.add(1, { 'switchyard.ratelimit.outcome': outcome })
    },
    queue(operation, queue, count = 1) {
      instruments()?.queueMessages.add(count, { 'messaging.operation.name': operation, 'messaging.destination.name': queue })
    },
    recent: () => window.snapshot(),
    flush: (force) => instruments()?.flush(force),
  }
}
