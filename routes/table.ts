/**
 * Declarative route tables: what each API version exposes and where it goes.
 * Policies (auth, rate limits, caching) attach to entries here, never to handlers.
 * The entry type lives in the core (src/endpoint/types.ts).
 */
import type { RouteSpec } from '../src/endpoint/types'

export type { Method, RouteSpec } from '../src/endpoint/types'

/** Every origin serves its own OpenAPI document and Swagger UI under its prefix. */
export function docsRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/openapi.json`, service, auth: 'public', cache: {} },
    { method: 'GET', path: `/${service}/docs`, service, auth: 'public', cache: {} },
  ]
}
