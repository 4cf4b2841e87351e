import { pathAndQuery } from '../proxy/path'
import type { CallContext, Upstream } from './types'

/**
 * The innermost upstreams: how one instance of a service is actually reached.
 * The request URL's origin is a placeholder (`http://<service>.internal`); only its
 * path and query are kept, so a client can never steer the gateway to another host.
 * The call's signal (`ctx.signal`: the caller's, the deadline's and the attempt's
 * timeout, as the layers above combined them) goes with the fetch, so an abort
 * reaches the origin.
 */

/** A Workers service binding (or anything with the Fetcher's `fetch`). */
export function bindingTransport(binding: Pick<Fetcher, 'fetch'>): Upstream {
  return (req, ctx) => {
    const signal = callSignal(req, ctx)
    return signal ? binding.fetch(req, { signal }) : binding.fetch(req)
  }
}

/** A base URL (Deno, or any HTTP origin); a path prefix in the base is kept. */
export function urlTransport(base: string, fetchImpl: typeof fetch = fetch): Upstream {
  const baseUrl = new URL(base)
  // Origin, then the base's path: whatever path follows, the host is the base's.
  const root = baseUrl.origin + baseUrl.pathname.replace(/\/$/, '')
  return (req, ctx) => {
    // The request's own parts, at the instance's URL, in one Request built by the fetch.
    return fetchImpl(root + pathAndQuery(req.url), {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: req.redirect,
      signal: ctx.signal ?? req.signal,
      ...(req.body !== null && { duplex: 'half' }),
    } as RequestInit)
  }
}

/** The call's signal when the request does not carry it already. */
function callSignal(req: Request, ctx: CallContext): AbortSignal | undefined {
  return ctx.signal !== undefined && ctx.signal !== req.signal ? ctx.signal : undefined
}
