/**
 * The origins' contracts as data: their published OpenAPI 3.1 documents, as committed
 * in contracts/ (`npm run check:compat` keeps the origins compatible with them). The
 * gateway validates requests and builds its merged document from these, never from
 * origin code, so an origin written in any language can sit behind it.
 *
 * A new origin is one line in ORIGIN_DOCUMENTS; a gateway route without an operation
 * in its service's document (composites, the documents themselves) is proxied
 * unvalidated and documented generically.
 */
import auth from '../../contracts/auth.openapi.json' with { type: 'json' }
import inventory from '../../contracts/inventory.openapi.json' with { type: 'json' }
import orders from '../../contracts/orders.openapi.json' with { type: 'json' }
import payments from '../../contracts/payments.openapi.json' with { type: 'json' }
import users from '../../contracts/users.openapi.json' with { type: 'json' }

/** A JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12). */
export type JsonSchema = Record<string, unknown> | boolean

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: JsonSchema
  [field: string]: unknown
}

export interface Operation {
  operationId?: string
  tags?: string[]
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema?: JsonSchema }> }
  responses?: Record<string, unknown>
  security?: unknown[]
  [field: string]: unknown
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, JsonSchema>; [kind: string]: unknown }
  [field: string]: unknown
}

export const ORIGIN_DOCUMENTS: Record<string, OpenApiDocument> = {
  auth: auth as unknown as OpenApiDocument,
  users: users as unknown as OpenApiDocument,
  orders: orders as unknown as OpenApiDocument,
  payments: payments as unknown as OpenApiDocument,
  inventory: inventory as unknown as OpenApiDocument,
}

/**
 * Services whose routes the merged document (`/openapi.json`) still describes
 * generically, though the gateway validates them: its snapshot promised the auth routes
 * no required body and a 200 from logout (the origin answers 204), so describing them
 * as they are is a breaking change to `npm run check:compat` — it waits for a new API
 * version.
 */
export const DOCUMENTED_GENERICALLY: ReadonlySet<string> = new Set(['auth'])

export interface Contract {
  service: string
  /** The service's whole document: `$ref`s in the operation resolve against it. */
  document: OpenApiDocument
  operation: Operation
}

/** `/users/{id}` (OpenAPI) → `/users/:id` (Hono). */
export const honoPath = (openApiPath: string) => openApiPath.replace(/\{([^}]+)\}/g, ':$1')

/** `/users/:id` (Hono) → `/users/{id}` (OpenAPI). */
export const openApiPath = (honoPathTemplate: string) => honoPathTemplate.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/**
 * The operation a service's document declares for a method and (Hono) path, if any.
 * Path templates compare by shape, so `/users/:id` finds `/users/{id}`.
 */
export function contractFor(service: string, method: string, path: string): Contract | undefined {
  const document = ORIGIN_DOCUMENTS[service]
  const operation = document?.paths[openApiPath(path)]?.[method.toLowerCase()]
  return document && operation ? { service, document, operation } : undefined
}

/** The JSON body schema an operation declares, if any. */
export const bodySchemaOf = (operation: Operation): JsonSchema | undefined =>
  operation.requestBody?.content['application/json']?.schema
