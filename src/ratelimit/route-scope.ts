import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { RouteSpec } from '../endpoint/types'
import type { RouteScope } from './policies'

export interface MountedTable {
  /** Where the table is mounted, e.g. `/api/v2`. */
  prefix: string
  routes: RouteSpec[]
}

/**
 * Finds the service and route group of the route a request matched, before its
 * handler runs: the limiter sits in front of the routes, and Hono already knows which
 * of them matched. Requests that match no table route (404, 405) have no scope.
 */
export function routeScopeResolver(
  tables: MountedTable[],
  /** Composite endpoints (GET) and the services their parts call: counted against each. */
  composites: { prefix: string; routes: { path: string; services: string[] }[] }[] = [],
): (c: Context) => RouteScope {
  const byRoute = new Map<string, RouteScope>()
  for (const { prefix, routes } of tables) {
    for (const spec of routes) {
      const route = `${prefix}${spec.path}`
      byRoute.set(`${spec.method} ${route}`, { service: spec.service, group: spec.rateLimit?.group, route })
    }
  }
  for (const { prefix, routes } of composites) {
    for (const composite of routes) {
      const route = `${prefix}${composite.path}`
      const parts = [...new Set(composite.services)].map((service) => ({ service }))
      byRoute.set(`GET ${route}`, { service: 'composite', route, parts })
    }
  }
  return (c) => {
    for (const route of matchedRoutes(c)) {
      const scope = byRoute.get(`${route.method} ${route.path}`)
      if (scope) return scope
    }
    return {}
  }
}
