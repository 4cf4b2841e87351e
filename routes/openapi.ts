import type { Hono } from 'hono'
import { docsPage } from '../wire/docs'
import type { GatewayEnv } from '../src/types'
import { buildGatewayDocument, type GatewayDocumentOptions } from '../src/versioning/openapi'

/**
 * `/openapi.json`: the gateway's merged OpenAPI 3.1 document (generated once per
 * isolate from the route tables and the origins' declarations), and `/docs`, its
 * Swagger UI. Each service's own document stays at `/api/<version>/<service>/openapi.json`.
 */
export function mountOpenApi(app: Hono<GatewayEnv>, options: GatewayDocumentOptions): void {
  let document: Record<string, unknown> | undefined
  app.get('/openapi.json', (c) => {
    document ??= buildGatewayDocument(options)
    return c.json(document)
  })
  app.get('/docs', docsPage('/openapi.json', `Switchyard ${options.name} API`))
}
