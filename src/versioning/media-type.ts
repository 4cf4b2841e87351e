/**
 * Just enough of RFC 9110 media-type syntax to find versioned vendor types in
 * `Accept` and `Content-Type`. Hand-written because Hono's Accept parser is not a
 * public export and its `accepts()` helper needs a Context, while routing needs the
 * version before a Context exists (see src/versioning/negotiate.ts).
 */
export interface MediaRange {
  /** `type/subtype`, lower-cased (media types are case-insensitive). */
  type: string
  /** Weight from the `q` parameter (RFC 9110 §12.4.2); 1 when absent or invalid. */
  q: number
}

/** Splits on `separator` outside quoted strings (a quoted `,` or `;` is data). */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (quoted && ch === '\\') {
      current += ch + (value[i + 1] ?? '')
      i++
      continue
    }
    if (ch === '"') quoted = !quoted
    if (ch === separator && !quoted) {
      parts.push(current)
      current = ''
      continue
    }
    current += ch
  }
  parts.push(current)
  return parts
}

const WEIGHT = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/

function weight(params: string[]): number {
  for (const param of params) {
    const [name, raw] = param.split('=', 2).map((s) => s.trim())
    if (name?.toLowerCase() === 'q' && raw !== undefined) return WEIGHT.test(raw) ? Number(raw) : 1
  }
  return 1
}

/** The media ranges of an `Accept` header, in the order given. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const element of splitOutsideQuotes(header, ',')) {
    const [type, ...params] = splitOutsideQuotes(element, ';')
    const name = type?.trim().toLowerCase()
    if (name) ranges.push({ type: name, q: weight(params) })
  }
  return ranges
}

/** `type/subtype` of a `Content-Type` value, lower-cased, without parameters. */
export function essence(contentType: string): string {
  return (splitOutsideQuotes(contentType, ';')[0] ?? '').trim().toLowerCase()
}

/** JSON media types: `application/json` and any `+json` structured syntax suffix. */
export function isJson(contentType: string | null | undefined): boolean {
  if (!contentType) return false
  const type = essence(contentType)
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type)
}
