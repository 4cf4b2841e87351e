import type { Upstream } from './types'

/**
 * The innermost upstreams: how one instance of a service is actually reached.
 * The request URL's origin is a placeholder (`http://<service>.internal`); only its
 * path and query are kept, so a client can never steer the gateway to another host.
 */

/** A Workers service binding (or anything with the Fetcher's `fetch`). */
export function bindingTransport(binding: Pick<Fetcher, 'fetch'>): Upstream {
  return (req) => binding.fetch(req)
}

/** A base URL (Deno, or any HTTP origin); a path prefix in the base is kept. */
export function urlTransport(base: string, fetchImpl: typeof fetch = fetch): Upstream {
  const baseUrl = new URL(base)
  const prefix = baseUrl.pathname.replace(/\/$/, '')
  return (req) => {
    const incoming = new URL(req.url)
    const target = new URL(baseUrl.origin)
    target.pathname = prefix + incoming.pathname
    target.search = incoming.search
    return fetchImpl(new Request(target, req))
  }
}
