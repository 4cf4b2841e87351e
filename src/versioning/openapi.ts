/**
 * The gateway's merged OpenAPI 3.1 document, generated from what exists: every route
 * of the newest version's table (with the operation its service's published document
 * declares, a generic operation otherwise, e.g. composites), the gateway's own paths,
 * the bearer and API-key auth schemes, the problem+json error schema, and the versioning rules.
 * Nothing is listed by hand, so routes added to the tables appear here by themselves.
 * Built from data only (contracts/, the tables): no origin code, no schema library.
 */
import type { RouteSpec } from '../endpoint/types'
import { imfFixdate } from './deprecation'
import { contractFor, DOCUMENTED_GENERICALLY, openApiPath, type JsonSchema, type OpenApiDocument, type Operation, type Parameter } from './contracts'
import type { Versioning } from './versioning'

export interface GatewayDocumentOptions {
  name: string
  tables: Record<string, RouteSpec[]>
  versioning: Versioning
  /** Header that carries an API key (`auth.apiKeys.header`; default `X-API-Key`). */
  apiKeyHeader?: string
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' }
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: PROBLEM_REF } } })

/** The one problem+json schema (wire/problem.ts). */
const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string', example: 'https://switchyard.example/problems#not-found' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status'],
  additionalProperties: {},
}

/** Errors the gateway itself may answer on any proxied route. */
function gatewayResponses(takesBody: boolean): Record<string, unknown> {
  return {
    400: problem('Invalid, unsupported or conflicting API version, or a request that failed validation (`errors`)'),
    ...(takesBody && {
      413: problem('Request body larger than the gateway accepts'),
      415: problem('Request body is not JSON'),
    }),
    502: problem('The service could not be reached'),
  }
}

/**
 * Route policy as the table declares it (`auth: 'public' | { scopes, accept }`): the
 * credentials its `accept` takes, as alternatives, each with the route's scopes (OpenAPI
 * 3.1 lets an `apiKey` requirement list them too; a key's consumer needs them alike).
 */
function securityOf(spec: RouteSpec): unknown[] {
  // Absent or 'authenticated': any valid access token (src/auth/policy.ts).
  if (spec.auth === 'public') return []
  const scopes = typeof spec.auth === 'object' ? (spec.auth.scopes ?? []) : []
  const accept = typeof spec.auth === 'object' ? (spec.auth.accept ?? 'token') : 'token'
  return [
    ...(accept !== 'key' ? [{ bearerAuth: [...scopes] }] : []),
    ...(accept !== 'token' ? [{ apiKeyAuth: [...scopes] }] : []),
  ]
}

/** The operation the merged document describes a route by (src/versioning/contracts.ts). */
const documentedContract = (spec: RouteSpec) =>
  DOCUMENTED_GENERICALLY.has(spec.service) ? undefined : contractFor(spec.service, spec.method, spec.path)

function operationFor(spec: RouteSpec): Operation {
  const security = securityOf(spec)
  const contract = documentedContract(spec)
  if (contract) {
    const { tags, summary, operationId, ...rest } = contract.operation
    const takesBody = rest.requestBody !== undefined
    const id = operationId ?? spec.operationId
    return {
      tags: tags ?? [spec.service],
      ...(summary !== undefined && { summary }),
      ...(id !== undefined && { operationId: `${spec.service}.${id}` }),
      security,
      ...rest,
      responses: { ...gatewayResponses(takesBody), ...rest.responses },
    }
  }
  const params = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]): Parameter => ({
    schema: { type: 'string' },
    required: true,
    name: name!,
    in: 'path',
  }))
  return {
    tags: [spec.service],
    summary: `${spec.method} ${spec.path}, answered by the ${spec.service} service`,
    security,
    ...(params.length > 0 && { parameters: params }),
    responses: {
      200: { description: `As answered by the ${spec.service} service` },
      ...gatewayResponses(spec.method !== 'GET' && spec.method !== 'DELETE'),
    },
  }
}

const json = (description: string, schema: JsonSchema) => ({ description, content: { 'application/json': { schema } } })
const object = (properties: Record<string, JsonSchema>) => ({ type: 'object', properties, required: Object.keys(properties) })
const ok = { type: 'string', enum: ['ok'] }
const anyObject = { type: 'object', properties: {}, additionalProperties: {} }
const looseObject = (properties: Record<string, JsonSchema>) => ({ ...object(properties), additionalProperties: {} })
const html = { type: 'string' }

function ownPaths(): Record<string, Record<string, Operation>> {
  const get = (summary: string, responses: Record<string, unknown>) => ({
    get: { tags: ['gateway'], summary, security: [], responses },
  })
  return {
    '/health/live': get('The gateway isolate answers', { 200: json('Alive', object({ status: ok })) }),
    '/health/startup': get('The gateway config validated', {
      200: json('Started', object({ status: ok, config: { type: 'string', enum: ['valid'] } })),
    }),
    '/health/ready': get("Every origin's own readiness, in parallel", {
      200: json('Every required origin is ready', object({ status: ok, dependencies: { type: 'object', additionalProperties: anyObject } })),
      503: problem('A required origin is not ready (`failing` names them)'),
    }),
    '/openapi.json': get('This document', { 200: json('OpenAPI 3.1 document', anyObject) }),
    '/docs': get('Swagger UI for this document', {
      200: { description: 'HTML page', content: { 'text/html': { schema: html } } },
    }),
    '/': get('Where to go from here: docs, health, status page', {
      200: {
        description: 'Index: JSON, or HTML for a browser',
        content: {
          'application/json': { schema: looseObject({ links: { type: 'object', additionalProperties: looseObject({ href: { type: 'string' } }) } }) },
          'text/html': { schema: html },
        },
      },
    }),
    ...Object.fromEntries(
      ['/status', '/status.json'].map((path) => [
        path,
        {
          get: {
            tags: ['gateway'],
            summary: "Operators' status: services, breakers, instances, retry budgets, recent error rates, limiter health (role admin)",
            responses: {
              200: {
                description: 'Status report (`/status` answers HTML to a browser)',
                content: {
                  'application/json': { schema: looseObject({ status: { type: 'string', enum: ['ok', 'degraded'] } }) },
                  ...(path === '/status' && { 'text/html': { schema: html } }),
                },
              },
              401: problem('No valid access token'),
              403: problem('The token lacks the admin role'),
            },
          },
        },
      ]),
    ),
  }
}

function description({ versioning }: GatewayDocumentOptions, deprecations: string[]): string {
  const { supported, defaultVersion } = versioning.policy
  return [
    'Edge gateway in front of the auth, users, orders, payments and inventory services. ' +
      'Every error is RFC 9457 `application/problem+json` (schema `Problem`).',
    `**Versions:** ${supported.join(', ')}; this document describes ${versioning.newest}, the newest. ` +
      'A version is chosen by, highest precedence first: the path (`/api/v2/...`), the media type ' +
      '(`Accept: application/vnd.switchyard.v2+json`), a header (`Accept-Version: 2` or `API-Version: 2`), ' +
      `the query (\`?version=2\` on unversioned paths such as \`/api/users/1\`), else the default, ${defaultVersion}. ` +
      'Signals that disagree are a 400 naming both; an unknown or malformed version is a 400 listing the supported ones. ' +
      'Every API response echoes the version in `API-Version` and `Vary`s on `Accept, Accept-Version, API-Version`.',
    ...deprecations,
    `Each service's own document and Swagger UI: \`/api/${versioning.newest}/<service>/openapi.json\` and \`/api/${versioning.newest}/<service>/docs\`.`,
  ].join('\n\n')
}

/** Every `#/components/schemas/<name>` an operation reaches, through other schemas too. */
function referencedSchemas(node: unknown, document: OpenApiDocument, into: Map<string, JsonSchema>): void {
  if (Array.isArray(node)) for (const item of node) referencedSchemas(item, document, into)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(value)?.[1] : undefined
      if (name !== undefined) {
        const schema = document.components?.schemas?.[name]
        if (schema !== undefined && !into.has(name)) {
          into.set(name, schema)
          referencedSchemas(schema, document, into)
        }
      } else referencedSchemas(value, document, into)
    }
  }
}

export function buildGatewayDocument(options: GatewayDocumentOptions): Record<string, unknown> {
  const { versioning, tables } = options
  const newest = versioning.newest
  const routes = tables[newest] ?? []
  const paths: Record<string, Record<string, Operation>> = ownPaths()
  const schemas = new Map<string, JsonSchema>([['Problem', PROBLEM_SCHEMA]])
  for (const spec of routes) {
    const path = `/api/${newest}${openApiPath(spec.path)}`
    const operation = operationFor(spec)
    const contract = documentedContract(spec)
    if (contract) referencedSchemas(contract.operation, contract.document, schemas)
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation }
  }

  const deprecations = versioning.policy.supported.flatMap((version) => {
    const info = versioning.deprecation(version, '/')
    if (!info) return []
    const steps = versioning.steps(version).map((s) => `${s.from}→${s.to}: ${s.summary}`)
    return [
      `**${version}** is deprecated (\`Deprecation\`, \`Sunset\` and \`Link\` headers on its responses) and ` +
        `answers 410 after ${imfFixdate(info.schedule.sunsetAt)}; it is served from the ${newest} services by ` +
        `transforms (${steps.join(' ')}). Migration notes: ${info.schedule.policyUrl}`,
    ]
  })
  const services = [...new Set(routes.map((r) => r.service))]
  return {
    openapi: '3.1.0',
    info: { title: `Switchyard gateway (${options.name})`, version: newest, description: description(options, deprecations) },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: [{ name: 'gateway', description: "The gateway's own endpoints" }, ...services.map((name) => ({ name }))],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token from the auth service (`/api/v2/auth/...`), verified at the gateway against its JWKS.',
        },
        apiKeyAuth: {
          type: 'apiKey',
          in: 'header',
          name: options.apiKeyHeader ?? 'X-API-Key',
          description:
            "A consumer's API key (`sy_<id>_<secret>`, made by an admin at `/admin/consumers/{id}/keys`), on operations whose security lists it; " +
            "the consumer's scopes must include the operation's.",
        },
      },
      schemas: Object.fromEntries(schemas),
      parameters: {},
    },
    paths,
    webhooks: {},
  }
}
