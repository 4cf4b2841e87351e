/**
 * `endpointOf(c)`: the endpoint a request is routed to — its template, policy, limits,
 * CORS, … (src/endpoint/types.ts) — as auth, CORS, rate limiting, logging, metrics,
 * tracing and the upstream call read it. It is Hono's own match for the request, never
 * a second matcher: `mountEndpoints` (src/endpoint/mount.ts) remembers which endpoint
 * each mounted chain belongs to, and the first matched route that belongs to one is
 * the request's endpoint — the same route whose chain answers. It works in global
 * middleware too, before any route handler runs: Hono matches once, up front.
 */
import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { GatewayEnv } from '../types'
import type { Endpoint } from './types'

const byHandler = new WeakMap<object, Endpoint>()

/** Marks `handler` (the first of an endpoint's mounted chain) as `endpoint`'s. */
export function rememberEndpoint(handler: object, endpoint: Endpoint): void {
  if (byHandler.has(handler)) throw new Error(`endpoint ${endpoint.method} ${endpoint.template}: its handler is mounted twice`)
  byHandler.set(handler, endpoint)
}

/** The request's endpoint; `undefined` when no endpoint matches (a 404 follows). */
export function endpointOf(c: Context<GatewayEnv>): Endpoint | undefined {
  const known = c.get('endpoint')
  if (known !== undefined) return known ?? undefined
  let endpoint: Endpoint | undefined
  for (const route of matchedRoutes(c)) {
    endpoint = byHandler.get(route.handler)
    if (endpoint) break
  }
  c.set('endpoint', endpoint ?? null)
  return endpoint
}
