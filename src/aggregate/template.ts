/**
 * Path templates of composite parts: `/orders?user={sub}&limit=5`. Placeholders name a
 * root (`sub`, a route parameter, or another part) and an optional dotted path into it.
 * Values are percent-encoded, so a value can never add a path segment or a query
 * parameter; `.` and `..` are refused because URL parsing would resolve them.
 */

export interface Reference {
  /** As written, without braces: `order.items.sku`. */
  raw: string
  root: string
  path: string[]
}

type Segment = { literal: string } | { ref: Reference; inQuery: boolean }

export interface Template {
  source: string
  segments: Segment[]
  refs: Reference[]
}

const PLACEHOLDER = /\{([^{}]*)\}/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Parses a template; throws on anything malformed (config errors surface at start-up). */
export function parseTemplate(source: string): Template {
  if (!source.startsWith('/')) throw new Error(`template ${source}: must start with /`)
  const segments: Segment[] = []
  const refs: Reference[] = []
  const queryStart = source.indexOf('?')
  let last = 0
  for (const match of source.matchAll(PLACEHOLDER)) {
    const raw = match[1]!
    const names = raw.split('.')
    if (!names.every((n) => NAME.test(n))) throw new Error(`template ${source}: bad placeholder {${raw}}`)
    const ref = { raw, root: names[0]!, path: names.slice(1) }
    segments.push({ literal: source.slice(last, match.index) })
    segments.push({ ref, inQuery: queryStart !== -1 && match.index > queryStart })
    refs.push(ref)
    last = match.index + match[0].length
  }
  const tail = source.slice(last)
  if (/[{}]/.test(segments.map((s) => ('literal' in s ? s.literal : '')).join('') + tail)) {
    throw new Error(`template ${source}: unbalanced braces`)
  }
  segments.push({ literal: tail })
  return { source, segments, refs }
}

/** A field of a value by dotted path; arrays are mapped over (and flattened). */
export function pluck(value: unknown, path: string[]): unknown {
  let current: unknown = value
  for (const key of path) {
    if (Array.isArray(current)) {
      current = current.flatMap((item) => {
        const v = pluck(item, [key])
        return v === undefined ? [] : [v]
      })
    } else if (current !== null && typeof current === 'object') {
      current = (current as Record<string, unknown>)[key]
    } else {
      return undefined
    }
  }
  return current
}

/** Scalar → one string; array of scalars → several; anything else → null (unresolvable). */
function toStrings(value: unknown): string[] | null {
  const items = Array.isArray(value) ? value.flat(Infinity) : [value]
  const out: string[] = []
  for (const item of items) {
    if (typeof item === 'string') out.push(item)
    else if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'boolean') out.push(String(item))
    else return null
  }
  return out.length > 0 && out.every((s) => s.length > 0) ? out : null
}

export type RenderResult = { ok: true; path: string } | { ok: false; unresolved: string }

/** Fills a template; `lookup` gives a placeholder's root value. */
export function renderTemplate(template: Template, lookup: (root: string) => unknown): RenderResult {
  let path = ''
  for (const segment of template.segments) {
    if ('literal' in segment) {
      path += segment.literal
      continue
    }
    const { ref, inQuery } = segment
    const values = toStrings(pluck(lookup(ref.root), ref.path))
    if (!values || (!inQuery && values.some((v) => v === '.' || v === '..'))) {
      return { ok: false, unresolved: ref.raw }
    }
    path += values.map(encodeURIComponent).join(',')
  }
  return { ok: true, path }
}
