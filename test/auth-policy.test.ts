import { describe, expect, it } from 'vitest'
import { wellKnownRoutes } from '../routes/well-known'
import { v1Routes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import { checkCompactToken } from '../src/auth/compact'
import { authorize, createPolicyResolver } from '../src/auth/policy'
import { createGateway } from '../src/gateway'
import { customGateway, expectProblem } from './helpers'

// As src/gateway.ts builds it.
const resolve = createPolicyResolver([
  { prefix: '/api/v1', routes: v1Routes },
  { prefix: '/api/v2', routes: v2Routes },
  { prefix: '/api', routes: v2Routes },
  { prefix: '', routes: wellKnownRoutes },
])

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
    ['GET', '/health/ready', { kind: 'unrouted' }],
    ['GET', '/nope', { kind: 'unrouted' }],
  ])('%s %s', (method, path, expected) => {
    expect(resolve(method, path)).toEqual(expected)
  })

  it('refuses a public route whose origin path needs the caller', () => {
    expect(() =>
      createPolicyResolver([
        { prefix: '', routes: [{ method: 'GET', path: '/me', auth: 'public', originPath: '/users/{sub}' }] },
      ]),
    ).toThrow(/public/)
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
