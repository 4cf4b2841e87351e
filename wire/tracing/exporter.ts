/**
 * Spans out of the isolate as OTLP/HTTP JSON: the OpenTelemetry transformer encodes
 * them (`JsonTraceSerializer`, the same encoding `@opentelemetry/exporter-trace-otlp-http`
 * sends), and one `fetch` POSTs them. Hand-written rather than that exporter because
 * its transport layer (XHR/sendBeacon fallbacks, legacy options, concurrency queue) is
 * ≈ 3 KiB gzip of the gateway's cold-start bundle, and a Worker needs none of it. It
 * keeps the exporter's retry rules: 429/502/503/504 and network errors, up to 5
 * retries with jittered backoff from 1 s (×1.5, ≤ 5 s) or the `Retry-After`, never
 * past the export's timeout.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace'
import { retryAfterMs } from '../retry-after'

export interface OtlpTarget {
  endpoint: string
  headers?: Record<string, string> | undefined
  timeoutMs: number
}

const RETRYABLE = new Set([429, 502, 503, 504])
const MAX_RETRIES = 5

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** POSTs one OTLP/JSON body; rejects when the receiver never accepted it. */
export async function postOtlpJson(target: OtlpTarget, body: Uint8Array | string): Promise<void> {
  const deadline = Date.now() + target.timeoutMs
  let backoff = 1000
  for (let retries = 0; ; retries++) {
    let failure: Error
    let wait: number | undefined
    try {
      const res = await fetch(target.endpoint, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(Math.max(deadline - Date.now(), 0)),
      })
      await res.body?.cancel()
      if (res.ok) return
      failure = new Error(`OTLP receiver answered ${res.status}`)
      if (!RETRYABLE.has(res.status)) throw failure
      wait = retryAfterMs(res.headers.get('retry-after'))
    } catch (err) {
      // A timeout or abort ends the export; a network error (TypeError) may be retried.
      if (!(err instanceof TypeError)) throw err
      failure = err
    }
    wait ??= Math.min(backoff * (0.8 + Math.random() * 0.4), 5000)
    backoff *= 1.5
    if (retries === MAX_RETRIES || wait > deadline - Date.now()) throw failure
    await sleep(wait)
  }
}

/** A `SpanExporter` for the SDK's batch processor. */
export class OtlpJsonSpanExporter implements SpanExporter {
  constructor(private readonly target: OtlpTarget) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans)
    if (!body) return done({ code: ExportResultCode.SUCCESS })
    postOtlpJson(this.target, body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    )
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}
