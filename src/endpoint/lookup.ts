/**
 * `endpointOf(c)`: the endpoint a request is routed to, as every middleware that names
 * the route reads it (logging, tracing, metrics, the upstream call's context). It is
 * Hono's own match — the handlers the router chose for this request, in registration
 * order — never a second matcher and never a hand-set template: the first matched route
 * that is not a middleware (`*` paths) is the endpoint, the same one whose handler answers.
 */
import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { GatewayEnv } from '../types'

export interface EndpointRef {
  /** Path template as mounted: `/api/v2/users/:id`, `/.well-known/jwks.json`. */
  template: string
  /** Method it was mounted for (`ALL` for a path's 405). */
  method: string
}

/** The request's endpoint; `undefined` when no route matches (a 404 follows). */
export function endpointOf(c: Context<GatewayEnv>): EndpointRef | undefined {
  const known = c.get('endpoint')
  if (known !== undefined) return known ?? undefined
  const route = matchedRoutes(c).find((r) => !r.path.endsWith('*'))
  const endpoint = route ? { template: route.path, method: route.method } : undefined
  c.set('endpoint', endpoint ?? null)
  return endpoint
}
