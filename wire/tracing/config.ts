import * as z from 'zod/mini'

/**
 * The `tracing` section of the gateway config. Trace context is always propagated
 * while `enabled`; spans are exported only when `otlp` is set (or `runtime`, where
 * the platform exports them itself).
 */
export const tracingConfigSchema = z.lazy(() => z
  .strictObject({
    /** Off: no trace context, no spans, no `traceresponse` (used as the benchmark baseline). */
    enabled: z._default(z.boolean(), true),
    /** `service.name` of the exported spans. */
    serviceName: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'switchyard-gateway'),
    /** Share of new traces that are sampled; a caller's sampled flag always wins (parent-based). */
    sampleRatio: z._default(z.number().check(z.gte(0), z.lte(1)), 1),
    /** OTLP/HTTP (JSON) export; absent: nothing is exported and spans cost next to nothing. */
    otlp: z.optional(
      z.strictObject({
        /** Full traces URL, e.g. `http://collector:4318/v1/traces`. */
        endpoint: z.url({ protocol: /^https?$/ }),
        /** Sent with every export, e.g. an API key of a hosted collector. */
        headers: z._default(z.record(z.string().check(z.minLength(1)), z.string()), {}),
        /** Upper bound of one export (with its retries), so it fits in `waitUntil`. */
        timeoutMs: z._default(z.number().check(z.int(), z.positive(), z.lte(30_000)), 5000),
      })),
    /**
     * Use the runtime's own OpenTelemetry (Deno with `OTEL_DENO=true`): its tracer,
     * context and exporter, and its server span, which the gateway names and annotates.
     */
    runtime: z._default(z.boolean(), false),
  })
  .check(z.refine((t) => !(t.runtime && t.otlp), { message: 'choose either otlp export or the runtime exporter, not both' })))

export type TracingConfigInput = z.input<typeof tracingConfigSchema>
export type TracingConfig = z.output<typeof tracingConfigSchema>

/**
 * Tracing config from the standard OpenTelemetry environment variables:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (`/v1/traces` appended), `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values
 * percent-decoded), `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER_ARG` (ratio), and
 * `OTEL_DENO=true` for Deno's built-in exporter. Values are checked by the schema.
 */
export function tracingFromEnv(vars: Record<string, unknown>): TracingConfigInput {
  const str = (name: string) => {
    const value = vars[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const base = str('OTEL_EXPORTER_OTLP_ENDPOINT')
  const endpoint = str('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base && `${base.replace(/\/+$/, '')}/v1/traces`)
  const ratio = str('OTEL_TRACES_SAMPLER_ARG')
  const runtime = str('OTEL_DENO') === 'true'
  return {
    ...(str('OTEL_SERVICE_NAME') && { serviceName: str('OTEL_SERVICE_NAME') }),
    ...(ratio !== undefined && { sampleRatio: Number(ratio) }),
    ...(runtime && { runtime }),
    ...(endpoint && !runtime && { otlp: { endpoint, headers: parseHeaderList(str('OTEL_EXPORTER_OTLP_HEADERS')) } }),
  }
}

/** `api-key=abc,x-tenant=t%201` → `{ 'api-key': 'abc', 'x-tenant': 't 1' }` (the OTel env format). */
export function parseHeaderList(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const pair of raw?.split(',') ?? []) {
    const at = pair.indexOf('=')
    if (at <= 0) continue
    try {
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim())
    } catch {
      // A malformed escape: skip the pair rather than fail every request.
    }
  }
  return headers
}
