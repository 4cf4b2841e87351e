/**
 * The origins' own route declarations (`@hono/zod-openapi` `createRoute`, plain zod
 * schemas), indexed by the gateway's route key. The gateway validates requests and
 * builds its merged OpenAPI document from exactly what the origins declare, so the
 * contract is written once.
 *
 * A new origin route module is one line in ORIGIN_ROUTES; a gateway route without a
 * declaration (composites, the gateway's own) is proxied unvalidated and documented
 * generically.
 */
import type { RouteConfig } from '@hono/zod-openapi'
import * as inventory from '../../services/inventory/src/routes'
import * as orders from '../../services/orders/src/routes'
import * as payments from '../../services/payments/src/routes'
import * as users from '../../services/users/src/routes'
import { routeKey, type RouteKey } from './transforms'

export const ORIGIN_ROUTES: Record<string, Record<string, RouteConfig>> = { users, orders, payments, inventory }

export interface Contract {
  service: string
  /** Export name in the origin's routes module (`getUser`). */
  name: string
  route: RouteConfig
}

/** `/users/{id}` (OpenAPI) → `/users/:id` (Hono). */
export const honoPath = (openApiPath: string) => openApiPath.replace(/\{([^}]+)\}/g, ':$1')

/** `/users/:id` (Hono) → `/users/{id}` (OpenAPI). */
export const openApiPath = (honoPathTemplate: string) => honoPathTemplate.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

let index: Map<RouteKey, Contract> | undefined

/** Route key (`GET /users/:id`) → the origin's declaration of it. */
export function contracts(): Map<RouteKey, Contract> {
  if (!index) {
    index = new Map()
    for (const [service, routes] of Object.entries(ORIGIN_ROUTES)) {
      for (const [name, route] of Object.entries(routes)) {
        index.set(routeKey(route.method, honoPath(route.path)), { service, name, route })
      }
    }
  }
  return index
}

export const contractFor = (method: string, path: string): Contract | undefined =>
  contracts().get(routeKey(method, path))

/** The JSON body schema a route declares, if any. */
export function bodySchemaOf(route: RouteConfig) {
  const media = route.request?.body?.content['application/json']
  return media && 'schema' in media ? media.schema : undefined
}
