/**
 * The gateway's merged OpenAPI 3.1 document, generated from what exists: every route
 * of the newest version's table (with the origin's own declaration where there is
 * one, a generic operation otherwise, e.g. composites), the gateway's own paths, the
 * bearer auth scheme, the problem+json error schema, and the versioning rules.
 * Nothing is listed by hand, so routes added to the tables appear here by themselves.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi'
import type { RouteSpec } from '../../routes/table'
import { ProblemSchema } from '../../services/shared/problem'
import { imfFixdate } from './deprecation'
import { bodySchemaOf, contractFor, openApiPath } from './contracts'
import type { Versioning } from './versioning'

export interface GatewayDocumentOptions {
  name: string
  tables: Record<string, RouteSpec[]>
  versioning: Versioning
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } })

/** Errors the gateway itself may answer on any proxied route. */
function gatewayResponses(takesBody: boolean): RouteConfig['responses'] {
  return {
    400: problem('Invalid, unsupported or conflicting API version, or a request that failed validation (`errors`)'),
    ...(takesBody && {
      413: problem('Request body larger than the gateway accepts'),
      415: problem('Request body is not JSON'),
    }),
    502: problem('The service could not be reached'),
  }
}

/** Route policy as the auth work declares it on RouteSpec (`auth: 'public' | { scopes }`), if any. */
function securityOf(spec: RouteSpec): RouteConfig['security'] {
  // Absent or 'authenticated': any valid access token (src/auth/policy.ts).
  if (spec.auth === 'public') return []
  const scopes = typeof spec.auth === 'object' ? (spec.auth.scopes ?? []) : []
  return [{ bearerAuth: [...scopes] }]
}

const pathParams = (path: string) =>
  z.object(Object.fromEntries([...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => [name!, z.string()])))

function operationFor(spec: RouteSpec, prefix: string): RouteConfig {
  const path = prefix + openApiPath(spec.path)
  const security = securityOf(spec)
  const contract = contractFor(spec.method, spec.path)
  if (contract) {
    // The origin's declaration, minus what only its own router uses.
    const { middleware: _m, hide: _h, getRoutingPath: _g, ...route } = contract.route as RouteConfig & { getRoutingPath?: unknown }
    return {
      ...route,
      path,
      operationId: `${contract.service}.${contract.name}`,
      tags: route.tags ?? [contract.service],
      responses: { ...gatewayResponses(bodySchemaOf(route) !== undefined), ...route.responses },
      ...(security && { security }),
    }
  }
  const hasParams = spec.path.includes(':')
  return createRoute({
    method: spec.method.toLowerCase() as RouteConfig['method'],
    path,
    tags: [spec.service],
    summary: `${spec.method} ${spec.path}, answered by the ${spec.service} service`,
    ...(hasParams && { request: { params: pathParams(spec.path) } }),
    responses: {
      200: { description: `As answered by the ${spec.service} service` },
      ...gatewayResponses(spec.method !== 'GET' && spec.method !== 'DELETE'),
    },
    ...(security && { security }),
  })
}

function ownPaths(): RouteConfig[] {
  const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } })
  const status = z.object({ status: z.literal('ok') })
  const get = (path: string, summary: string, responses: RouteConfig['responses']) =>
    createRoute({ method: 'get', path, tags: ['gateway'], summary, security: [], responses })
  return [
    get('/health/live', 'The gateway isolate answers', { 200: json('Alive', status) }),
    get('/health/startup', 'The gateway config validated', { 200: json('Started', status.extend({ config: z.literal('valid') })) }),
    get('/health/ready', "Every origin's own readiness, in parallel", {
      200: json('Every required origin is ready', status.extend({ dependencies: z.record(z.string(), z.looseObject({})) })),
      503: problem('A required origin is not ready (`failing` names them)'),
    }),
    get('/openapi.json', 'This document', { 200: json('OpenAPI 3.1 document', z.looseObject({})) }),
    get('/docs', 'Swagger UI for this document', { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } }),
    get('/', 'Where to go from here: docs, health, status page', {
      200: { description: 'Index: JSON, or HTML for a browser', content: { 'application/json': { schema: z.looseObject({ links: z.record(z.string(), z.looseObject({ href: z.string() })) }) }, 'text/html': { schema: z.string() } } },
    }),
    ...['/status', '/status.json'].map((path) =>
      createRoute({
        method: 'get',
        path,
        tags: ['gateway'],
        summary: "Operators' status: services, breakers, instances, retry budgets, recent error rates, limiter health (role admin)",
        responses: {
          200: { description: 'Status report (`/status` answers HTML to a browser)', content: { 'application/json': { schema: z.looseObject({ status: z.enum(['ok', 'degraded']) }) }, ...(path === '/status' ? { 'text/html': { schema: z.string() } } : {}) } },
          401: problem('No valid access token'),
          403: problem('The token lacks the admin role'),
        },
      }),
    ),
  ]
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

export function buildGatewayDocument(options: GatewayDocumentOptions): Record<string, unknown> {
  const { versioning, tables } = options
  const newest = versioning.newest
  const generator = new OpenAPIHono()
  const registry = generator.openAPIRegistry
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from the auth service (`/api/v2/auth/...`), verified at the gateway against its JWKS.',
  })
  registry.register('Problem', ProblemSchema)
  for (const route of ownPaths()) registry.registerPath(route)
  for (const spec of tables[newest] ?? []) registry.registerPath(operationFor(spec, `/api/${newest}`))

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
  const services = [...new Set((tables[newest] ?? []).map((r) => r.service))]
  return generator.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: `Switchyard gateway (${options.name})`, version: newest, description: description(options, deprecations) },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: [{ name: 'gateway', description: "The gateway's own endpoints" }, ...services.map((name) => ({ name }))],
  }) as unknown as Record<string, unknown>
}
