import type { Handler } from 'hono'
import { docsPage } from '../../wire/docs'
import type { GatewayEnv } from '../types'
import { buildGatewayDocument, type GatewayDocumentOptions } from '../versioning/openapi'

/**
 * `/openapi.json`: the gateway's merged OpenAPI 3.1 document (generated once per
 * isolate from the route tables and the origins' declarations), and `/docs`, its
 * Swagger UI. Each service's own document stays at `/api/<version>/<service>/openapi.json`.
 */
export function openApiHandlers(options: GatewayDocumentOptions): Record<'openapi' | 'docs', Handler<GatewayEnv>> {
  let document: Record<string, unknown> | undefined
  return {
    openapi: (c) => {
      document ??= buildGatewayDocument(options)
      return c.json(document)
    },
    docs: docsPage('/openapi.json', `Switchyard ${options.name} API`),
  }
}
