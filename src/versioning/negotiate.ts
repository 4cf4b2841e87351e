/**
 * API version negotiation as a pure function of the request, so the router can use
 * it (an unversioned `/api/users/1` is routed as `/api/<version>/users/1`) and the
 * middleware can report on it without computing it twice.
 *
 * Signals, highest precedence first:
 *   1. path            `/api/v2/users/1`
 *   2. media type      `Accept: application/vnd.switchyard.v2+json` (or the same
 *                      type as a request body's `Content-Type`)
 *   3. header          `Accept-Version: 2` / `API-Version: 2` (`v2` works too)
 *   4. query           `?version=2` (`v2` works too)
 *   5. the configured default
 * The highest signal present decides; any other signal naming a different version is
 * a conflict (400 naming both), and a malformed or unsupported one is a 400 listing
 * the supported versions, wherever it stands in the order.
 */
import { problemType, type Problem } from '../../wire/problem'
import { rawQuery, requestPath } from '../proxy/path'
import { essence, parseAccept } from './media-type'

export interface VersionPolicy {
  /** Supported labels, oldest first (`['v1', 'v2']`). */
  supported: readonly string[]
  defaultVersion: string
}

export type SignalSource = 'path' | 'accept' | 'content-type' | 'accept-version' | 'api-version' | 'query'

export interface Negotiated {
  ok: true
  version: string
  /** Which signal decided; `default` when the request named no version. */
  source: SignalSource | 'default'
  /** The path carried the version (`/api/v2/...`) rather than being unversioned. */
  pathVersioned: boolean
  /** The path after `/api[/<version>]`, e.g. `/users/1`. */
  rest: string
  /**
   * The request names a version where the origin must not see it: a `version` query
   * parameter, or a vendor `Content-Type` (src/versioning/media-type.ts `isJson`: both
   * end in `+json` once negotiation succeeds).
   */
  versionQuery: boolean
  vendorContentType: boolean
}

export type Negotiation = Negotiated | { ok: false; problem: Problem }

interface Signal {
  source: SignalSource
  raw: string
  /** Parsed label, or why the value is unusable. */
  version?: string
  error?: 'malformed' | 'unsupported'
}

const LABEL = /^v[1-9][0-9]{0,8}$/
const HEADER_SOURCES = ['accept-version', 'api-version'] as const
const NUMBER_OR_LABEL = /^v?([1-9][0-9]{0,8})$/
const VENDOR_PREFIX = 'application/vnd.switchyard'
const VENDOR = /^application\/vnd\.switchyard\.([^+/]+)\+json$/

export const SOURCE_NAMES: Record<SignalSource, string> = {
  path: 'the path',
  accept: 'the Accept header',
  'content-type': 'the Content-Type header',
  'accept-version': 'the Accept-Version header',
  'api-version': 'the API-Version header',
  query: 'the version query parameter',
}

/** A version signal's value checked against the policy. */
function signal(source: SignalSource, raw: string, label: string | undefined, policy: VersionPolicy): Signal {
  if (label === undefined) return { source, raw, error: 'malformed' }
  if (!policy.supported.includes(label)) return { source, raw, version: label, error: 'unsupported' }
  return { source, raw, version: label }
}

const headerLabel = (value: string) => {
  const match = NUMBER_OR_LABEL.exec(value.trim())
  return match ? `v${match[1]}` : undefined
}

function vendorLabel(type: string): string | undefined {
  const match = VENDOR.exec(type)
  return match && LABEL.test(match[1]!) ? match[1] : undefined
}

/** Vendor types in `Accept` with q > 0; the most preferred version wins. */
function acceptSignals(header: string, policy: VersionPolicy): Signal[] {
  const ranges = parseAccept(header).filter(
    (r) => r.q > 0 && r.type.startsWith(VENDOR_PREFIX) && r.type !== `${VENDOR_PREFIX}+json`,
  )
  if (ranges.length === 0) return []
  const signals = ranges.map((r) => ({ ...signal('accept', r.type, vendorLabel(r.type), policy), q: r.q }))
  const bad = signals.find((s) => s.error)
  if (bad) return [bad]
  const top = Math.max(...signals.map((s) => s.q))
  // Distinct versions at the same top weight are reported as a conflict below.
  const preferred = signals.filter((s) => s.q === top)
  return preferred.filter((s, i) => preferred.findIndex((o) => o.version === s.version) === i)
}

function problemFor(bad: Signal, policy: VersionPolicy): Problem {
  const where = SOURCE_NAMES[bad.source]
  const list = policy.supported.join(', ')
  const common = { supported: [...policy.supported], source: bad.source, value: bad.raw }
  if (bad.error === 'unsupported') {
    return {
      type: problemType('unsupported-version'),
      title: 'Unsupported API version',
      status: 400,
      detail: `Version ${bad.version} (from ${where}) is not supported. Supported versions: ${list}.`,
      ...common,
    }
  }
  return {
    type: problemType('invalid-version'),
    title: 'Invalid API version',
    status: 400,
    detail: `${capitalize(where)} does not name a version: "${truncate(bad.raw)}". Supported versions: ${list}.`,
    ...common,
  }
}

function conflict(a: Signal, b: Signal, policy: VersionPolicy): Problem {
  return {
    type: problemType('conflicting-versions'),
    title: 'Conflicting API versions',
    status: 400,
    detail: `${capitalize(SOURCE_NAMES[a.source])} asks for ${a.version} but ${SOURCE_NAMES[b.source]} asks for ${b.version}.`,
    conflicts: [a, b].map((s) => ({ source: s.source, version: s.version })),
    supported: [...policy.supported],
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const truncate = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s)

/** Negotiates the version of a request to `path` (canonical); null outside `/api`. */
export function negotiate(req: Request, path: string, policy: VersionPolicy): Negotiation | null {
  if (path !== '/api' && !path.startsWith('/api/')) return null
  // The segment after `/api/`, and what follows it (the path is canonical: no `//`).
  const end = path.indexOf('/', 5)
  const first = path.slice(5, end < 0 ? undefined : end)
  const pathVersioned = /^v[0-9]/i.test(first)
  const rest = pathVersioned ? (end < 0 ? '/' : path.slice(end)) : path.slice('/api'.length)

  const signals: Signal[] = []
  if (pathVersioned) signals.push(signal('path', first, LABEL.test(first) ? first : undefined, policy))
  const accept = req.headers.get('accept')
  if (accept) signals.push(...acceptSignals(accept, policy))
  const contentType = req.headers.get('content-type')
  if (contentType && essence(contentType).startsWith(VENDOR_PREFIX)) {
    const type = essence(contentType)
    signals.push(signal('content-type', type, vendorLabel(type), policy))
  }
  for (const source of HEADER_SOURCES) {
    const value = req.headers.get(source)
    if (value !== null) signals.push(signal(source, value, headerLabel(value), policy))
  }
  const query = versionParams(req.url)
  if (query.length > 0) for (const value of new Set(query)) signals.push(signal('query', value, headerLabel(value), policy))

  const bad = signals.find((s) => s.error)
  if (bad) return { ok: false, problem: problemFor(bad, policy) }
  const [decider] = signals
  if (!decider) {
    return { ok: true, version: policy.defaultVersion, source: 'default', pathVersioned, rest, versionQuery: false, vendorContentType: false }
  }
  const other = signals.find((s) => s.version !== decider.version)
  if (other) return { ok: false, problem: conflict(decider, other, policy) }
  const versionQuery = query.length > 0
  const vendorContentType = signals.some((s) => s.source === 'content-type')
  return { ok: true, version: decider.version!, source: decider.source, pathVersioned, rest, versionQuery, vendorContentType }
}

/**
 * `new URL(url).searchParams.getAll('version')`, without parsing a URL whose query
 * cannot name it: a `version` key needs those letters, or a percent-escape.
 */
export function versionParams(url: string): string[] {
  const query = rawQuery(url)
  if (!query.includes('version') && !query.includes('%')) return []
  return new URLSearchParams(query).getAll('version')
}

const cache = new WeakMap<Request, Negotiation | null>()

/**
 * `negotiate` for the request's canonical path, once per request object: the router
 * (which has no context to keep it in) and the middleware share the result, and a
 * replaced request (`c.req.raw = new Request(…)`) is negotiated afresh.
 */
export function negotiateRequest(req: Request, policy: VersionPolicy): Negotiation | null {
  const known = cache.get(req)
  if (known !== undefined) return known
  const path = requestPath(req)
  const result = path.ok ? negotiate(req, path.path, policy) : null
  cache.set(req, result)
  return result
}

/** `/api/v…`: the path names a version (valid or not), so nothing else can reroute it. */
const isVersionedPath = (path: string) => path.startsWith('/api/') && /^v[0-9]/i.test(path.slice(5, 7))

/**
 * The path the router matches: unversioned API paths get the negotiated version
 * (`/api/users/1` → `/api/v2/users/1`), so every version's route table, policies
 * and transforms apply to them unchanged. Anything else is routed as it is (a
 * versioned path without negotiating: the middleware does that, once).
 */
export function routedPath(req: Request, canonicalPath: string, policy: VersionPolicy): string {
  if (isVersionedPath(canonicalPath)) return canonicalPath
  const result = negotiateRequest(req, policy)
  if (!result?.ok || result.pathVersioned) return canonicalPath
  return `/api/${result.version}${result.rest}`
}
