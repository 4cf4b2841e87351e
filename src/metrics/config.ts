import * as z from 'zod/mini'
import { parseHeaderList } from '../../wire/tracing/config'

/**
 * The `metrics` section of the gateway config. Instruments record into a per-isolate
 * aggregation; it leaves the isolate only when `otlp` is set, at most once per
 * `intervalMs`, after a response (in `waitUntil`), never delaying one.
 */
export const metricsConfigSchema = z.lazy(() => z.strictObject({
  /** `service.name` of the exported metrics. */
  serviceName: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'switchyard-gateway'),
  /** Least time between two exports from one isolate. */
  intervalMs: z._default(z.number().check(z.int(), z.gte(0), z.lte(600_000)), 10_000),
  /** OTLP/HTTP (JSON) export; absent: nothing is exported and no SDK is built. */
  otlp: z.optional(
    z.strictObject({
      /** Full metrics URL, e.g. `http://collector:4318/v1/metrics`. */
      endpoint: z.url({ protocol: /^https?$/ }),
      headers: z._default(z.record(z.string().check(z.minLength(1)), z.string()), {}),
      /** Upper bound of one export, so it fits in `waitUntil`. */
      timeoutMs: z._default(z.number().check(z.int(), z.positive(), z.lte(30_000)), 5000),
      /** Cumulative (the OTLP default) or delta sums and histograms. */
      temporality: z._default(z.enum(['cumulative', 'delta']), 'cumulative'),
    })),
}))

export type MetricsConfigInput = z.input<typeof metricsConfigSchema>
export type MetricsConfig = z.output<typeof metricsConfigSchema>

/**
 * Metrics config from the standard OpenTelemetry environment variables:
 * `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (`/v1/metrics` appended), `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
 * `OTEL_METRIC_EXPORT_INTERVAL` (ms) and `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
 * `OTEL_DENO=true` leaves export to Deno's own SDK. Values are checked by the schema.
 */
export function metricsFromEnv(vars: Record<string, unknown>): MetricsConfigInput {
  const str = (name: string) => {
    const value = vars[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const base = str('OTEL_EXPORTER_OTLP_ENDPOINT')
  const endpoint = str('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? (base && `${base.replace(/\/+$/, '')}/v1/metrics`)
  const interval = str('OTEL_METRIC_EXPORT_INTERVAL')
  const temporality = str('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE')?.toLowerCase()
  const runtime = str('OTEL_DENO') === 'true'
  return {
    ...(str('OTEL_SERVICE_NAME') && { serviceName: str('OTEL_SERVICE_NAME') }),
    ...(interval !== undefined && { intervalMs: Number(interval) }),
    ...(endpoint &&
      !runtime && {
        otlp: {
          endpoint,
          headers: parseHeaderList(str('OTEL_EXPORTER_OTLP_HEADERS')),
          ...(temporality === 'delta' || temporality === 'cumulative' ? { temporality } : {}),
        },
      }),
  }
}
