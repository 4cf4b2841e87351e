/**
 * What the store holds under a key, as one JSON string: first a lock while the first
 * request is in flight, then the answer it got. The lock's exact text is its owner's
 * proof: only a request holding that same string may replace or delete it (the store
 * compares the whole value), so a request whose lock expired cannot overwrite a newer one.
 */

/** The first request under this key is still running. */
export interface LockRecord {
  v: 1
  state: 'in-flight'
  /** Request fingerprint (src/idempotency/fingerprint.ts). */
  fingerprint: string
  /** Random: tells two locks of the same request apart. */
  token: string
  startedAt: number
}

/** The first request's answer, replayed to repeats with the same fingerprint. */
export interface AnswerRecord {
  v: 1
  state: 'done'
  fingerprint: string
  status: number
  headers: [string, string][]
  /** Body bytes, base64. */
  body: string
  storedAt: number
}

export type IdempotencyRecord = LockRecord | AnswerRecord

/**
 * Headers that are part of the answer itself and so are replayed. Per-request headers
 * (request id, trace context, rate-limit state, dates) are not: the repeat gets its own.
 */
const REPLAYED_HEADERS = new Set([
  'content-type',
  'content-language',
  'content-location',
  'location',
  'etag',
  'last-modified',
  'link',
  'preference-applied',
  'retry-after',
])

/** The header that marks a replayed answer (the name Stripe's API uses; the draft names none). */
export const REPLAYED_HEADER = 'Idempotent-Replayed'

/**
 * Whether an answer is the request's final outcome, to be replayed: 2xx, and 4xx except
 * those that say "not processed, try again" (408 Request Timeout, 425 Too Early, 429 Too
 * Many Requests). 5xx, timeouts and unreachable origins are not: the key is released so
 * the client can retry (the origin deduplicates a retry whose first attempt did land).
 */
export function isFinal(status: number): boolean {
  if (status >= 200 && status < 300) return true
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429
}

export function lockRecord(fingerprint: string): string {
  const token = crypto.randomUUID()
  return JSON.stringify({ v: 1, state: 'in-flight', fingerprint, token, startedAt: Date.now() } satisfies LockRecord)
}

export function answerRecord(fingerprint: string, status: number, headers: Headers, body: Uint8Array): string {
  const kept: [string, string][] = []
  headers.forEach((value, name) => {
    if (REPLAYED_HEADERS.has(name.toLowerCase())) kept.push([name.toLowerCase(), value])
  })
  const record: AnswerRecord = { v: 1, state: 'done', fingerprint, status, headers: kept, body: toBase64(body), storedAt: Date.now() }
  return JSON.stringify(record)
}

/** A stored value, or null when it is not one this version wrote. */
export function parseRecord(text: string): IdempotencyRecord | null {
  try {
    const value = JSON.parse(text) as Partial<IdempotencyRecord>
    if (value?.v !== 1 || typeof value.fingerprint !== 'string') return null
    if (value.state === 'in-flight') return value as LockRecord
    if (value.state === 'done' && typeof value.status === 'number' && Array.isArray(value.headers) && typeof value.body === 'string') {
      return value as AnswerRecord
    }
    return null
  } catch {
    return null
  }
}

/** The stored answer as a fresh Response, marked as replayed. */
export function replay(record: AnswerRecord): Response {
  const headers = new Headers(record.headers)
  headers.set(REPLAYED_HEADER, 'true')
  const body = record.status === 204 || record.status === 205 ? null : fromBase64(record.body)
  return new Response(body, { status: record.status, headers })
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
