/**
 * Declarative route tables: what each API version exposes and where it goes.
 * Policies (auth, rate limits, caching) attach to entries here, never to handlers.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RouteSpec {
  method: Method
  /** Path at the origin and, under `/api/<version>`, at the gateway. */
  path: string
  service: string
  /** Rate-limit route group: policies with `scope: 'group'` count per caller per group. */
  rateLimit?: { group?: string }
}

/** Every origin serves its own OpenAPI document and Swagger UI under its prefix. */
export function docsRoutes(service: string): RouteSpec[] {
  return [
    { method: 'GET', path: `/${service}/openapi.json`, service },
    { method: 'GET', path: `/${service}/docs`, service },
  ]
}
