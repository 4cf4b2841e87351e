/**
 * W3C Trace Context (Level 1 and 2) on the wire, strictly. `parseTraceParent` from
 * `@opentelemetry/core` does the traceparent grammar (lowercase hex, field lengths,
 * version `ff`, all-zero ids, version `00` with trailing data, future versions);
 * this module adds what it leaves out: a repeated header restarts the trace, unknown
 * flag bits are dropped, and tracestate is all-or-nothing (OTel's `TraceState`
 * silently skips bad members and truncates past 32, the spec drops the header).
 */
import { parseTraceParent } from '@opentelemetry/core'

export const FLAG_SAMPLED = 0x01
/** Level 2: the trace id's right-most 7 bytes are random. */
export const FLAG_RANDOM = 0x02
/** The only bits version 00 defines; others are ignored on input, zero on output. */
export const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM

export interface TraceParent {
  traceId: string
  parentId: string
  /** Known bits only. */
  flags: number
}

/** HTTP optional whitespace: space and horizontal tab. */
const trimOws = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '')

/**
 * Parses a `traceparent` value; `null` means "restart the trace". Repeated headers
 * reach us joined by a comma (`Headers.get`), and a traceparent never holds one.
 */
export function parseTraceparent(value: string | null | undefined): TraceParent | null {
  if (value == null || value.includes(',')) return null
  const parsed = parseTraceParent(trimOws(value))
  if (!parsed) return null
  return { traceId: parsed.traceId, parentId: parsed.spanId, flags: parsed.traceFlags & KNOWN_FLAGS }
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-0${(flags & KNOWN_FLAGS).toString(16)}`
}

const KEY_CHARS = '[a-z0-9_\\-*/]'
const TRACESTATE_KEY = new RegExp(`^(?:[a-z]${KEY_CHARS}{0,255}|[a-z0-9]${KEY_CHARS}{0,240}@[a-z]${KEY_CHARS}{0,13})$`)
/** Printable ASCII except `,` and `=`; spaces allowed inside but not at the end. */
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/

export const MAX_TRACESTATE_MEMBERS = 32
/** What we propagate at most (the spec asks vendors to pass on at least 512). */
export const MAX_TRACESTATE_LENGTH = 512
/** Level 2: when truncating, members longer than this go first. */
const LONG_MEMBER = 128

/**
 * Parses `tracestate` into its members, or `undefined` when there is nothing valid
 * to keep: a malformed or duplicated member, or more than 32 members, drops the
 * whole header (the trace itself continues). Empty and whitespace-only members are
 * allowed and ignored. Repeated headers arrive comma-joined, as the spec combines them.
 */
export function parseTracestate(value: string | null | undefined): string[] | undefined {
  if (value == null) return undefined
  const members: string[] = []
  const keys = new Set<string>()
  for (const raw of value.split(',')) {
    const member = trimOws(raw)
    if (member === '') continue
    const eq = member.indexOf('=')
    if (eq <= 0) return undefined
    const key = member.slice(0, eq)
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(eq + 1)) || keys.has(key)) return undefined
    keys.add(key)
    members.push(member)
    if (members.length > MAX_TRACESTATE_MEMBERS) return undefined
  }
  return members.length > 0 ? truncate(members) : undefined
}

/**
 * Level 2 truncation to what we propagate: members over 128 characters are removed
 * first, then members from the end, until the joined header fits.
 */
function truncate(members: string[]): string[] {
  const size = (list: string[]) => list.reduce((n, m) => n + m.length, 0) + Math.max(list.length - 1, 0)
  let kept = members
  while (size(kept) > MAX_TRACESTATE_LENGTH) {
    const long = kept.findIndex((m) => m.length > LONG_MEMBER)
    kept = long >= 0 ? kept.filter((_, i) => i !== long) : kept.slice(0, -1)
  }
  return kept
}
