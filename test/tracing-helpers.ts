import { env } from 'cloudflare:workers'

/** A parsed `traceparent` / `traceresponse`. */
export interface Traceparent {
  version: string
  traceId: string
  parentId: string
  flags: number
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** Parses a value we sent or received; throws when it is not a well-formed version-00 one. */
export function parseTp(value: string | null | undefined): Traceparent {
  const m = TRACEPARENT.exec(value ?? '')
  if (!m) throw new Error(`not a traceparent: ${value}`)
  return { version: m[1]!, traceId: m[2]!, parentId: m[3]!, flags: parseInt(m[4]!, 16) }
}

export const randomHex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')

/** A fresh, valid incoming traceparent. */
export function newTraceparent(flags = '01'): { header: string; traceId: string; parentId: string } {
  const traceId = randomHex(16)
  const parentId = randomHex(8)
  return { header: `00-${traceId}-${parentId}-${flags}`, traceId, parentId }
}

/** One span as the local OTLP receiver decoded it (scripts/otlp-receiver.mjs). */
export interface ReceivedSpan {
  service: string
  traceId: string
  spanId: string
  parentSpanId?: string
  traceState?: string
  name: string
  kind: 'SERVER' | 'CLIENT' | 'INTERNAL' | 'PRODUCER' | 'CONSUMER'
  attributes: Record<string, unknown>
  events: { name: string; attributes: Record<string, unknown> }[]
  status: string
  /** Unix nanoseconds, as decimal strings (int64). */
  startNs: string
  endNs: string
}

export const receiverUrl = () => (env as unknown as { OTLP_RECEIVER_URL: string }).OTLP_RECEIVER_URL

/** The receiver's traces endpoint, for a gateway configured to export. */
export const receiverEndpoint = () => `${receiverUrl()}/v1/traces`

export async function receivedSpans(traceId: string): Promise<ReceivedSpan[]> {
  const res = await fetch(`${receiverUrl()}/spans?trace_id=${traceId}`)
  return (await res.json()) as ReceivedSpan[]
}

/**
 * Polls the receiver until `done(spans)` holds for the trace; exports run after the
 * response (waitUntil), so they arrive a moment later.
 */
export async function waitForSpans(
  traceId: string,
  done: (spans: ReceivedSpan[]) => boolean,
  timeoutMs = 5000,
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const spans = await receivedSpans(traceId)
    if (done(spans)) return spans
    if (Date.now() > deadline) throw new Error(`spans of ${traceId} incomplete: ${JSON.stringify(spans, null, 1)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Service bindings that note each request's trace headers on its way to the real
 * origin Worker (the origin still answers it).
 */
export function recordingBindings(): {
  seen: { service: string; path: string; traceparent: string | null; tracestate: string | null }[]
  lookup: (name: string) => Pick<Fetcher, 'fetch'> | undefined
} {
  const real = env as unknown as Record<string, Fetcher | undefined>
  const seen: { service: string; path: string; traceparent: string | null; tracestate: string | null }[] = []
  return {
    seen,
    lookup: (name) => {
      const binding = real[name]
      if (!binding) return undefined
      return {
        fetch: (input: RequestInfo | URL, init?: RequestInit) => {
          const req = new Request(input, init)
          seen.push({
            service: name.toLowerCase(),
            path: new URL(req.url).pathname,
            traceparent: req.headers.get('traceparent'),
            tracestate: req.headers.get('tracestate'),
          })
          return binding.fetch(req)
        },
      }
    },
  }
}
