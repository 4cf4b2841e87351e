/**
 * Mounts endpoints, each once: one route per endpoint whose chain is the endpoint's own
 * (its middleware, then its handler), remembered for `endpointOf(c)`. The factory lists
 * every method's endpoint before any path's 405, so a path's 405 never shadows another
 * template's route for the method; among routes, the first in table order wins.
 *
 * @example
 * ```ts
 * mountEndpoints(app, buildEndpoints(tables, options))
 * ```
 */
import type { Hono, MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../types'
import { rememberEndpoint } from './lookup'
import type { Endpoint } from './types'

export function mountEndpoints(app: Hono<GatewayEnv>, endpoints: readonly Endpoint[]): void {
  for (const endpoint of endpoints) {
    rememberEndpoint(endpoint.chain[0], endpoint)
    const [first, ...rest] = endpoint.chain as unknown as [MiddlewareHandler<GatewayEnv>, ...MiddlewareHandler<GatewayEnv>[]]
    // `ALL` (a path's 405) is Hono's any-method route, as `app.all` mounts it.
    app.on([endpoint.method], [endpoint.template], first, ...rest)
  }
}
