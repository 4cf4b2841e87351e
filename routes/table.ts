/**
 * Declarative route tables: what each API version exposes and where it goes.
 * Policies (auth, rate limits, caching) attach to entries here, never to handlers.
 * The entry type lives in the core (src/endpoint/types.ts).
 */
import type { RouteSpec } from '../src/endpoint/types'

export type { CompositeRoute, GatewayRouteSpec, Method, RouteSpec, RpcServiceSpec } from '../src/endpoint/types'

/** Origins whose events (services/shared/events/) are documented and dead-lettered. */
export const EVENT_SERVICES = ['orders', 'inventory', 'payments']

/**
 * Every origin serves its own OpenAPI document and Swagger UI under its prefix; one
 * that takes part in events also its AsyncAPI document.
 */
export function docsRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/openapi.json`, service, auth: 'public', cache: {} },
    { method: 'GET', path: `/${service}/docs`, service, auth: 'public', cache: {} },
    ...(EVENT_SERVICES.includes(service)
      ? [{ method: 'GET', path: `/${service}/asyncapi.json`, service, auth: 'public', cache: {} } satisfies RouteSpec]
      : []),
  ]
}

/** An event service's dead letters: listed and replayed by admins only. */
export function deadLetterRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/events/dead-letters`, service, auth: { roles: ['admin'] } },
    { method: 'POST', path: `/${service}/events/dead-letters/:id/replay`, service, auth: { roles: ['admin'] } },
  ]
}
