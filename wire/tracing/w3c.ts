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

/**
 * The current key grammar (Trace Context Level 2, §"Key"): `( lcalpha / DIGIT ) 0*255
 * keychar`, where keychar holds `@` — a digit may start a key, `@` may appear anywhere
 * after the first character, and there are no tenant/vendor length rules any more.
 */
const TRACESTATE_KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/
/** Printable ASCII except `,` and `=`; spaces allowed inside but not at the end. */
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/

export const MAX_TRACESTATE_MEMBERS = 32
/** What we propagate at most (the spec asks vendors to pass on at least 512). */
export const MAX_TRACESTATE_LENGTH = 512
/** Level 2: when truncating, members longer than this go first. */
const LONG_MEMBER = 128

/**
 * Parses `tracestate` into its members, or `undefined` when there is nothing valid
 * to keep: a malformed member, or more than 32 members, drops the whole header (the
 * trace itself continues; the spec lets a vendor discard a header it cannot parse).
 * A key seen again is an entry the spec does not allow ("only one entry per key", the
 * left-most being the latest position): that later entry alone is dropped. Empty and
 * whitespace-only members are allowed and ignored. Repeated headers arrive
 * comma-joined, as the spec combines them.
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
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(eq + 1))) return undefined
    if (keys.has(key)) continue
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

/**
 * The parsed members as an OpenTelemetry `TraceState` (the interface of
 * `@opentelemetry/api`). OTel's own `TraceState` re-validates keys with the old grammar
 * (no leading digit, tenant@vendor lengths) and would silently drop members the current
 * text allows, so this one keeps exactly what `parseTracestate` accepted.
 */
export class MemberTraceState {
  private constructor(private readonly entries: ReadonlyMap<string, string>) {}

  static of(members: readonly string[]): MemberTraceState {
    return new MemberTraceState(new Map(members.map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)])))
  }

  get(key: string): string | undefined {
    return this.entries.get(key)
  }

  /** A modified or added key moves to the front (left), as the spec asks. */
  set(key: string, value: string): MemberTraceState {
    const next = new Map([[key, value]])
    for (const [k, v] of this.entries) if (k !== key) next.set(k, v)
    return new MemberTraceState(next)
  }

  unset(key: string): MemberTraceState {
    const next = new Map(this.entries)
    next.delete(key)
    return new MemberTraceState(next)
  }

  serialize(): string {
    return [...this.entries].map(([k, v]) => `${k}=${v}`).join(',')
  }
}
