/**
 * Cache keys. A key is a URL on the gateway's own origin (the Cache API on Workers
 * stores per zone) under `/.switchyard/cache/`, made of:
 * - the API version (so a v1 and a v2 answer never mix, however the version was chosen),
 * - the scope: `public`, or `user/<subject>` for a route that opted into per-user entries,
 * - the variant: `any`, or a digest of the request's values of the headers the stored
 *   response named in `Vary`,
 * - the normalized path and the query, as routed.
 */
import { digestHex } from '../hex'
export interface KeyParts {
  /** Origin of the incoming request (`https://api.example.com`). */
  origin: string
  version: string
  /** `undefined` for the shared entry; the caller's subject for a per-user one. */
  user?: string
  path: string
  search: string
}

const PREFIX = '/.switchyard/cache'

/** The key before `Vary` is known: where a response (or its variants' marker) is found. */
export function baseKey(parts: KeyParts): string {
  return keyWith(parts, 'any')
}

/** The key of one variant of a response that had `Vary`. */
export async function variantKey(parts: KeyParts, names: string[], request: Headers): Promise<string> {
  const values = names.map((name) => [name, normalize(request.get(name))])
  const hex = await digestHex('SHA-256', JSON.stringify(values))
  return keyWith(parts, `vary-${hex.slice(0, 32)}`)
}

function keyWith(parts: KeyParts, variant: string): string {
  const scope = parts.user === undefined ? 'public' : `user/${encodeURIComponent(parts.user)}`
  return `${parts.origin}${PREFIX}/${parts.version}/${scope}/${variant}${parts.path}${parts.search}`
}

/**
 * Header names listed in `Vary`, lower-cased and sorted; `'*'` when the response
 * varies on everything (never stored).
 */
export function varyNames(vary: string | null): string[] | '*' {
  if (!vary) return []
  const names = vary
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean)
  if (names.includes('*')) return '*'
  return [...new Set(names)].sort()
}

/** Whitespace-insensitive header value (RFC 9111 §4.1 allows this normalization). */
function normalize(value: string | null): string | null {
  return value === null ? null : value.trim().replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ')
}

/** Request header values named by `Vary`, in the shape http-cache-semantics wants. */
export function varyHeaders(names: string[], request: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of names) {
    const value = normalize(request.get(name))
    if (value !== null) out[name] = value
  }
  return out
}
