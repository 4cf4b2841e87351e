/**
 * One canonical form of the request path, computed once: the router matches it and
 * the proxy forwards it, so an origin never sees a path routing did not approve.
 *
 * The URL parser has already resolved `.`/`..` segments (also `%2e` forms); this
 * decodes percent-encoded unreserved characters (RFC 3986 §6.2.2.2), uppercases the
 * remaining escapes, collapses repeated slashes, and rejects what has no safe
 * canonical form: encoded `/` or `\`, control characters and malformed escapes.
 */
export type PathResult = { ok: true; path: string } | { ok: false; reason: string }

const UNRESERVED = /[A-Za-z0-9\-._~]/
const FORBIDDEN_ESCAPES = new Set(['2F', '5C'])

export function normalizePath(rawPath: string): PathResult {
  let out = ''
  for (let i = 0; i < rawPath.length; i++) {
    const ch = rawPath[i]!
    if (ch === '%') {
      const hex = rawPath.slice(i + 1, i + 3).toUpperCase()
      if (!/^[0-9A-F]{2}$/.test(hex)) return { ok: false, reason: 'malformed percent-encoding in path' }
      const code = parseInt(hex, 16)
      if (FORBIDDEN_ESCAPES.has(hex)) return { ok: false, reason: 'encoded slash or backslash in path' }
      if (code < 0x20 || code === 0x7f) return { ok: false, reason: 'control character in path' }
      const decoded = String.fromCharCode(code)
      out += UNRESERVED.test(decoded) ? decoded : `%${hex}`
      i += 2
      continue
    }
    if (ch === '\\') return { ok: false, reason: 'backslash in path' }
    if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) {
      return { ok: false, reason: 'control character in path' }
    }
    out += ch
  }
  out = out.replace(/\/{2,}/g, '/')
  return resolveDotSegments(out)
}

/** Decoding can expose `.`/`..` segments again; resolve them, never above the root. */
function resolveDotSegments(path: string): PathResult {
  if (!/(^|\/)\.\.?(\/|$)/.test(path)) return { ok: true, path }
  const segments: string[] = []
  const parts = path.split('/')
  for (const [index, segment] of parts.entries()) {
    if (segment === '.') continue
    if (segment === '..') {
      if (segments.length <= 1) return { ok: false, reason: 'path escapes the root' }
      segments.pop()
      continue
    }
    if (segment === '' && index !== 0 && index !== parts.length - 1) continue
    segments.push(segment)
  }
  const resolved = segments.join('/')
  return { ok: true, path: resolved.startsWith('/') ? resolved : `/${resolved}` }
}

const cache = new WeakMap<Request, PathResult>()

/** The normalized path of a request, computed once per request object. */
export function requestPath(req: Request): PathResult {
  let result = cache.get(req)
  if (!result) {
    const target = pathAndQuery(req.url)
    const query = target.indexOf('?')
    result = normalizePath(query < 0 ? target : target.slice(0, query))
    cache.set(req, result)
  }
  return result
}

/**
 * Path and query of a serialized absolute URL (a Request's `url`), without parsing it
 * again: what `pathname + search` of `new URL(url)` gives.
 */
export function pathAndQuery(url: string): string {
  const path = url.indexOf('/', url.indexOf('//') + 2)
  if (path < 0) return '/'
  const hash = url.indexOf('#', path)
  return url.slice(path, hash < 0 ? undefined : hash)
}

/** The query of a serialized URL (after `?`, before `#`), as `URL.search` holds it without its `?`. */
export function rawQuery(url: string): string {
  // A serialized URL's first `#` starts its fragment (which may hold a `?` of its own).
  const hash = url.indexOf('#')
  const start = url.indexOf('?')
  if (start < 0 || (hash >= 0 && start > hash)) return ''
  return url.slice(start + 1, hash < 0 ? undefined : hash)
}

/**
 * Scheme and host of a serialized absolute URL (a Request's `url`), without parsing it
 * again: `URL.protocol` without its `:`, and `URL.host` (credentials left out).
 */
export function schemeAndHost(url: string): { scheme: string; host: string } {
  const start = url.indexOf('//') + 2
  // A serialized http(s) URL always has a path, so the first `/` ends the authority.
  const end = url.indexOf('/', start)
  const authority = url.slice(start, end < 0 ? undefined : end)
  return { scheme: url.slice(0, url.indexOf(':')), host: authority.slice(authority.lastIndexOf('@') + 1) }
}
