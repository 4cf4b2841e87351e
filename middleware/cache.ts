import type { Context, MiddlewareHandler } from 'hono'
import { decide, markerNames, policyRequest, readStored, storedResponse, varyMarker, type Decision } from '../src/cache/entry'
import { baseKey, variantKey, type KeyParts } from '../src/cache/key'
import { withCacheStatus, type CacheStatus } from '../src/cache/status'
import type { GatewayEnv } from '../src/types'

export interface ResponseCacheOptions {
  /** The Cache API storage (see src/cache/storage.ts); `undefined` turns caching off. */
  storage: () => Promise<Cache | undefined>
  /** API version of the route: part of every key. */
  version: string
  /**
   * Authenticated callers get entries of their own, keyed by their subject. Without it
   * (the default) any request with credentials bypasses the cache entirely.
   */
  perUser?: boolean
  /**
   * Makes a fresh response for a stale-while-revalidate refresh, after the client has
   * its stale answer (usually the route's own handler). Without it a stale entry is a miss.
   */
  revalidate?: (c: Context<GatewayEnv>) => Promise<Response>
  /** Keeps stores and refreshes alive after the response (Workers' `waitUntil`). */
  waitUntil: (c: Context<GatewayEnv>, promise: Promise<unknown>) => void
  /** Cache name in `Cache-Status` (default `switchyard`). */
  name?: string
}

/**
 * Caches GET responses of one route in the Cache API, when the origin allows it
 * (`Cache-Control: public` with `max-age`/`s-maxage`; see src/cache/entry.ts for the
 * rules). Keys hold the API version, the path and query, and the request's values of
 * whatever the response named in `Vary`. A request with credentials (a verified caller,
 * `Authorization` or `Cookie`) never reads or writes a shared entry: it bypasses, or,
 * if the route opts in with `perUser`, uses entries keyed by the caller's subject.
 * A stale entry within `stale-while-revalidate` is served at once while one refresh per
 * key runs in `waitUntil`. Every answer carries an RFC 9211 `Cache-Status` member.
 * Client `Cache-Control` request directives are ignored, as CDNs do: a client must not
 * be able to push every request through to the origin.
 *
 * @example
 * ```ts
 * app.get('/api/v2/inventory/:sku',
 *   responseCache({ storage: cacheStorage(), version: 'v2', waitUntil, revalidate: handler }),
 *   handler)
 * ```
 */
export function responseCache(options: ResponseCacheOptions): MiddlewareHandler<GatewayEnv> {
  const name = options.name ?? 'switchyard'
  /** Keys with a refresh in flight in this isolate: one refresh per key at a time. */
  const refreshing = new Set<string>()

  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next()
    const identity = c.get('identity')
    const headers = c.req.raw.headers
    const credentialed = identity !== undefined || headers.has('authorization') || headers.has('cookie')
    const status = (s: CacheStatus) => {
      c.res = withCacheStatus(c.res, name, s)
    }
    if (credentialed && !(options.perUser && identity)) {
      await next()
      return status({ fwd: 'bypass', detail: 'credentials' })
    }
    const store = await options.storage().catch(() => undefined)
    if (!store) return next()

    const url = new URL(c.req.url)
    const parts: KeyParts = { origin: url.origin, version: options.version, user: identity?.sub, path: c.req.path, search: url.search }
    const base = baseKey(parts)
    const found = await lookup(store, parts, base, headers)
    let fwd: CacheStatus['fwd'] = found.miss
    if (found.entry) {
      const { policy, body, key } = found.entry
      const evaluation = policy.evaluateRequest(policyRequest(base, found.vary, headers))
      const stale = evaluation.revalidation !== undefined
      if (evaluation.response && (!stale || options.revalidate)) {
        if (stale) refresh(c, key, parts, base, store)
        const ttl = policy.maxAge() - policy.age()
        // Only 200s are stored (src/cache/entry.ts).
        return withCacheStatus(new Response(body, { status: 200, headers: toHeaders(evaluation.response.headers) }), name, {
          hit: true,
          ttl,
          ...(stale && { detail: 'stale-while-revalidate' }),
        })
      }
      await body?.cancel()
      fwd = 'stale'
    }

    await next()
    const decision = decide(base, headers, c.res, identity === undefined)
    if (c.req.method === 'GET' && decision.store) {
      options.waitUntil(c, put(store, parts, base, decision, headers, c.res.clone()).catch(() => {}))
    }
    status({ fwd, fwdStatus: c.res.status, stored: decision.store, ...(!decision.store && { detail: decision.reason }) })
  }

  /** Serves the stale entry's refresh in the background; errors leave the old entry in place. */
  function refresh(c: Context<GatewayEnv>, key: string, parts: KeyParts, base: string, store: Cache): void {
    if (refreshing.has(key) || !options.revalidate) return
    refreshing.add(key)
    const headers = c.req.raw.headers
    const run = async () => {
      try {
        // The client already has its answer: the refresh must not end with its connection.
        c.req.raw = new Request(c.req.raw, { signal: null })
        const fresh = await options.revalidate!(c)
        const decision = decide(base, headers, fresh, parts.user === undefined)
        if (decision.store) await put(store, parts, base, decision, headers, fresh)
        else await fresh.body?.cancel()
      } catch {
        // Keep serving what is stored until it is too stale; the next miss tries again.
      } finally {
        refreshing.delete(key)
      }
    }
    options.waitUntil(c, run())
  }
}

interface Found {
  /** Why there is no usable entry, if there is none. */
  miss: 'uri-miss' | 'vary-miss'
  /** Header names the stored response varies on. */
  vary: string[]
  entry?: { key: string; policy: NonNullable<ReturnType<typeof readStored>>; body: ReadableStream | null }
}

/** The base entry, or (through its `Vary` marker) the variant for this request. */
async function lookup(store: Cache, parts: KeyParts, base: string, headers: Headers): Promise<Found> {
  try {
    let res = await store.match(base)
    if (!res) return { miss: 'uri-miss', vary: [] }
    const vary = markerNames(res)
    let key = base
    if (vary) {
      key = await variantKey(parts, vary, headers)
      res = await store.match(key)
      if (!res) return { miss: 'vary-miss', vary }
    }
    const policy = readStored(res)
    if (!policy) {
      await res.body?.cancel()
      return { miss: 'uri-miss', vary: [] }
    }
    return { miss: 'uri-miss', vary: vary ?? [], entry: { key, policy, body: res.body } }
  } catch {
    // A broken cache must not break the route: treat it as a miss.
    return { miss: 'uri-miss', vary: [] }
  }
}

/** Stores a response; with `Vary`, under its variant key plus a marker at the base key. */
async function put(
  store: Cache,
  parts: KeyParts,
  base: string,
  decision: Extract<Decision, { store: true }>,
  headers: Headers,
  res: Response,
): Promise<void> {
  const { policy, vary, ttlSeconds } = decision
  if (vary.length === 0) return store.put(base, storedResponse(res.body, policy, ttlSeconds))
  const key = await variantKey(parts, vary, headers)
  await store.put(key, storedResponse(res.body, policy, ttlSeconds))
  await store.put(base, varyMarker(vary, ttlSeconds))
}

/** http-cache-semantics' header record as web Headers. */
function toHeaders(record: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(record)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v)
  }
  return headers
}
