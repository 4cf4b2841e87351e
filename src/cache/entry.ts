import CachePolicy from 'http-cache-semantics'
import { varyHeaders, varyNames } from './key'

/**
 * What may be stored and how an entry is kept. RFC 9111 freshness (max-age vs
 * s-maxage, Age, private/no-store, stale-while-revalidate) is http-cache-semantics'
 * job; the gateway's own, stricter rules sit on top:
 * - only a 200 to a GET, with an explicit `max-age` or `s-maxage` (no heuristics);
 * - a shared entry needs `public` or `s-maxage` from the origin;
 * - never a response that sets a cookie, or one with `Vary: *`.
 * Whether the request was authenticated is decided before this (middleware/cache.ts).
 */

/** Stands in for the Host in http-cache-semantics' request matching: keys already hold the origin. */
const HOST = 'switchyard'
const POLICY_HEADER = 'x-switchyard-cache-policy'
const VARY_HEADER = 'x-switchyard-cache-vary'

/**
 * Response headers kept in an entry: those describing the representation and its
 * caching. Anything else (request ids, rate-limit state, trace ids) belongs to one
 * request and must never be replayed to another client.
 */
const KEPT_HEADERS = new Set([
  'age',
  'cache-control',
  'content-disposition',
  'content-language',
  'content-location',
  'content-security-policy',
  'content-type',
  'date',
  'etag',
  'expires',
  'last-modified',
  'preference-applied',
  'vary',
  'x-content-type-options',
])

function keptHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (KEPT_HEADERS.has(name)) out[name] = value
  })
  return out
}

export type Decision =
  | { store: true; policy: CachePolicy; vary: string[]; ttlSeconds: number }
  | { store: false; reason: string }

/** The request as http-cache-semantics sees it: the key, and the headers `Vary` names. */
export function policyRequest(key: string, vary: string[], headers: Headers): CachePolicy.Request {
  return { url: key, method: 'GET', headers: { host: HOST, ...varyHeaders(vary, headers) } }
}

export function decide(key: string, request: Headers, response: Response, shared: boolean): Decision {
  if (response.status !== 200) return { store: false, reason: 'status' }
  if (response.headers.has('set-cookie')) return { store: false, reason: 'set-cookie' }
  const vary = varyNames(response.headers.get('vary'))
  if (vary === '*') return { store: false, reason: 'vary-star' }
  const policy = new CachePolicy(
    policyRequest(key, vary, request),
    { status: response.status, headers: keptHeaders(response.headers) },
    { shared, cacheHeuristic: 0, immutableMinTimeToLive: 0 },
  )
  const cc = policy.toObject().rescc
  if (cc['no-store'] !== undefined) return { store: false, reason: 'no-store' }
  if (cc['max-age'] === undefined && cc['s-maxage'] === undefined) return { store: false, reason: 'no-max-age' }
  if (shared && !cc.public && cc['s-maxage'] === undefined) return { store: false, reason: 'not-public' }
  if (!policy.storable()) return { store: false, reason: 'not-storable' }
  const ttlSeconds = Math.ceil(policy.timeToLive() / 1000)
  if (ttlSeconds <= 0) return { store: false, reason: 'expired' }
  return { store: true, policy, vary, ttlSeconds }
}

/**
 * The stored form: the body, the serialized policy (which holds the origin's headers),
 * and a `Cache-Control` for the storage itself so the platform drops the entry when
 * even a stale answer is no longer allowed. `Vary` stays out: keys handle it.
 */
export function storedResponse(body: ReadableStream | null, policy: CachePolicy, ttlSeconds: number): Response {
  return new Response(body, {
    headers: {
      'cache-control': `public, max-age=${ttlSeconds}`,
      [POLICY_HEADER]: encodeURIComponent(JSON.stringify(policy.toObject())),
    },
  })
}

/** Reads an entry back; `undefined` if it is not one of ours (or is damaged). */
export function readStored(res: Response): CachePolicy | undefined {
  const raw = res.headers.get(POLICY_HEADER)
  if (!raw) return undefined
  try {
    return CachePolicy.fromObject(JSON.parse(decodeURIComponent(raw)) as CachePolicy.CachePolicyObject)
  } catch {
    return undefined
  }
}

/** Marker at the base key of a response with `Vary`: which headers pick the variant. */
export function varyMarker(names: string[], ttlSeconds: number): Response {
  return new Response(null, { headers: { 'cache-control': `public, max-age=${ttlSeconds}`, [VARY_HEADER]: names.join(',') } })
}

export function markerNames(res: Response): string[] | undefined {
  const names = res.headers.get(VARY_HEADER)
  return names === null ? undefined : names.split(',').filter(Boolean)
}
