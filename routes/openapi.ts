import { swaggerUI } from '@hono/swagger-ui'
import type { Hono } from 'hono'
import type { GatewayEnv } from '../src/types'
import { buildGatewayDocument, type GatewayDocumentOptions } from '../src/versioning/openapi'

/**
 * Swagger UI's scripts come from a CDN at this pinned version: the same as the origins'
 * pages (services/shared/docs.ts) and the `swagger-ui-dist` devDependency, whose files
 * the offline browser test serves.
 */
export const SWAGGER_UI_VERSION = '5.35.0'

/**
 * `/openapi.json`: the gateway's merged OpenAPI 3.1 document (generated once per
 * isolate from the route tables and the origins' published contracts), and `/docs`, its
 * Swagger UI. Each service's own document stays at `/api/<version>/<service>/openapi.json`.
 */
export function mountOpenApi(app: Hono<GatewayEnv>, options: GatewayDocumentOptions): void {
  let document: Record<string, unknown> | undefined
  app.get('/openapi.json', (c) => {
    document ??= buildGatewayDocument(options)
    return c.json(document)
  })
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: `Switchyard ${options.name} API`, version: SWAGGER_UI_VERSION }))
}
