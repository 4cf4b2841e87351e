import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { v1Changes } from '../routes/v1'
import { checkCompactToken } from '../src/auth/compact'
import { authorize, unmatchedPolicy } from '../src/auth/policy'
import { corsConfigSchema } from '../src/cors/config'
import { buildEndpoints, type EndpointFactoryOptions } from '../src/endpoint/factory'
import { endpointOf } from '../src/endpoint/lookup'
import { mountEndpoints } from '../src/endpoint/mount'
import type { EndpointTables } from '../src/endpoint/types'
import { createGateway, TABLES } from '../app/gateway'
import type { Registry } from '../src/upstream/registry'
import type { GatewayEnv } from '../src/types'
import { createVersioning } from '../src/versioning/versioning'
import { customGateway, expectProblem } from './helpers'

const versioning = createVersioning({ versions: { supported: ['v1', 'v2'], default: 'v2' }, deprecations: {} }, [v1Changes], TABLES.versions)
const factoryOptions: EndpointFactoryOptions = {
  versions: ['v1', 'v2'],
  versioning,
  cors: corsConfigSchema.parse({}),
  // Building calls no upstream and no handler: the probe below answers first.
  proxy: { registry: new Map() as unknown as Registry, gatewayName: 'test', clientIp: () => undefined, waitUntil: () => {} },
  stages: {},
  handlers: new Proxy({} as EndpointFactoryOptions['handlers'], { get: () => () => new Response() }),
}

/** The gateway's tables, mounted as the gateway mounts them, behind a probe that answers each request with its endpoint's policy. */
function policyProbe(tables: EndpointTables = TABLES) {
  const app = new Hono<GatewayEnv>({ getPath: (req) => versioning.routedPath(req, new URL(req.url).pathname) })
  app.use(async (c) => c.body(null, 204, { 'x-policy': JSON.stringify(endpointOf(c)?.auth ?? unmatchedPolicy(c.req.path)) }))
  mountEndpoints(app, buildEndpoints(tables, factoryOptions))
  return async (method: string, path: string) => JSON.parse((await app.request(path, { method })).headers.get('x-policy')!) as unknown
}
const resolve = policyProbe()

const identity = (scopes: string[], roles: string[]) => ({ sub: '9', scopes, roles, claims: {} })

describe('route policy resolution', () => {
  it.each([
    ['POST', '/api/v2/auth/login', { kind: 'public' }],
    ['POST', '/api/v2/auth/refresh', { kind: 'public' }],
    ['GET', '/.well-known/jwks.json', { kind: 'public' }],
    ['GET', '/api/v2/users/docs', { kind: 'public' }],
    ['GET', '/api/v2/users/openapi.json', { kind: 'public' }],
    ['GET', '/api/v2/users/me', { kind: 'protected', requirements: {} }],
    ['GET', '/api/v2/users/7', { kind: 'protected', requirements: { scopes: ['users:read'], accept: 'either' } }],
    ['HEAD', '/api/v2/users/7', { kind: 'protected', requirements: { scopes: ['users:read'], accept: 'either' } }],
    ['GET', '/api/v1/users/7', { kind: 'protected', requirements: { scopes: ['users:read'], accept: 'either' } }],
    // An unversioned path keeps the route's scopes, not just "authenticated".
    ['GET', '/api/users/7', { kind: 'protected', requirements: { scopes: ['users:read'], accept: 'either' } }],
    ['POST', '/api/v2/payments/charges/1/refunds', { kind: 'protected', requirements: { roles: ['admin'] } }],
    // Known path, other method: the 405 needs no identity.
    ['DELETE', '/api/v2/users/7', { kind: 'unrouted' }],
    // Undeclared API path: fail closed.
    ['GET', '/api/v2/admin/keys', { kind: 'protected', requirements: {} }],
    ['GET', '/api/v9/users/1', { kind: 'protected', requirements: {} }],
    ['GET', '/health/ready', { kind: 'public' }],
    // Every table is built the same way: composites, the gateway's own routes, RPC procedures.
    ['GET', '/api/v2/me/dashboard', { kind: 'protected', requirements: { scopes: ['orders:read', 'payments:read'] } }],
    ['GET', '/status', { kind: 'protected', requirements: { roles: ['admin'] } }],
    ['DELETE', '/admin/consumers', { kind: 'unrouted' }],
    ['POST', '/rpc/switchyard.inventory.v1.InventoryService/GetStock', { kind: 'public' }],
    ['POST', '/rpc/switchyard.inventory.v1.InventoryService/ListReservations', { kind: 'protected', requirements: { roles: ['admin'] } }],
    ['GET', '/nope', { kind: 'unrouted' }],
  ])('%s %s', async (method, path, expected) => {
    expect(await resolve(method, path)).toEqual(expected)
  })

  it('refuses a public route whose origin path needs the caller', () => {
    const tables: EndpointTables = { ...TABLES, root: [{ method: 'GET', path: '/me', service: 'users', auth: 'public', originPath: '/users/{sub}' }] }
    expect(() => policyProbe(tables)).toThrow(/GET \/me rewrites to \{sub\} but is public/)
  })

  it('the anonymous caller gets 401 on v1 as on v2', async () => {
    await expectProblem(await customGateway().fetch('/api/v1/users/1'), 401)
  })
})

describe('authorization', () => {
  it('needs every scope', () => {
    expect(authorize(identity(['a', 'b'], []), { scopes: ['a', 'b'] })).toEqual({ ok: true })
    expect(authorize(identity(['a'], []), { scopes: ['a', 'b'] })).toEqual({ ok: false, missingScopes: ['b'], roles: [] })
  })

  it('needs one of the roles', () => {
    expect(authorize(identity([], ['admin']), { roles: ['admin', 'support'] })).toEqual({ ok: true })
    expect(authorize(identity([], ['customer']), { roles: ['admin'] })).toEqual({
      ok: false,
      missingScopes: [],
      roles: ['admin'],
    })
  })
})

describe('auth config', () => {
  it.each([[['HS256']], [['none']], [[]]])('refuses algorithms %j', (algorithms) => {
    expect(() => createGateway({ services: {}, auth: { algorithms } }, { bindings: () => ({ fetch }) })).toThrow(
      /invalid gateway config/,
    )
  })

  it('takes a JWKS URL over https, or plain http only on loopback', () => {
    const build = (url: string) => () => createGateway({ services: {}, auth: { jwks: { url } } }, {})
    expect(build('http://auth.internal/.well-known/jwks.json')).toThrow(/must be https/)
    expect(build('https://auth.example/.well-known/jwks.json')).not.toThrow()
    expect(build('http://127.0.0.1:8801/.well-known/jwks.json')).not.toThrow()
  })

  it('needs its JWKS binding to be bound', () => {
    expect(() => createGateway({ services: {} }, { bindings: () => undefined })).toThrow(/binding AUTH is not bound/)
  })
})

describe('compact form', () => {
  const rules = { maxBytes: 100, algorithms: ['ES256'] }
  const header = btoa('{"alg":"ES256","kid":"k"}').replace(/=+$/, '')

  it('accepts the one canonical spelling', () => {
    expect(checkCompactToken(`${header}.QQ.AAAA`, rules).ok).toBe(true)
  })

  it.each([
    ['non-zero trailing bits', `${header}.QR.AAAA`],
    ['an impossible length', `${header}.QQQQQ.AAAA`],
    ['an empty segment', `${header}..AAAA`],
    ['a longer token than allowed', `${header}.${'A'.repeat(100)}.AAAA`],
  ])('refuses %s', (_, token) => {
    expect(checkCompactToken(token, rules).ok).toBe(false)
  })
})
