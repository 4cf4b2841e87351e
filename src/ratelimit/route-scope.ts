import type { Context } from 'hono'
import { endpointOf } from '../endpoint/lookup'
import type { GatewayEnv } from '../types'
import type { RouteScope } from './policies'

/** A mounted route as the limiter sees it: the services it calls, its group. */
export interface ScopedRoute {
  method: string
  path: string
  /** One service, or every service a composite's parts call. */
  services: string[]
  group?: string
}

export interface MountedTable {
  /** Where the table is mounted, e.g. `/api/v2`. */
  prefix: string
  routes: ScopedRoute[]
}

/**
 * The services and route group of the request's endpoint (`endpointOf`), before its
 * handler runs: the limiter sits in front of the routes, and Hono already knows which
 * of them matched. Composites count against every service their parts call. Requests
 * that match no table route (404, 405) have no scope.
 */
export function routeScopeResolver(tables: MountedTable[]): (c: Context<GatewayEnv>) => RouteScope {
  const byRoute = new Map<string, RouteScope>()
  for (const { prefix, routes } of tables) {
    for (const route of routes) {
      byRoute.set(`${route.method} ${prefix}${route.path}`, { services: route.services, ...(route.group && { group: route.group }) })
    }
  }
  return (c) => {
    const endpoint = endpointOf(c)
    return (endpoint && byRoute.get(`${endpoint.method} ${endpoint.template}`)) ?? {}
  }
}
