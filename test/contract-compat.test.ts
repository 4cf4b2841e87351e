import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import authSnapshot from '../contracts/auth.openapi.json'
import gatewaySnapshot from '../contracts/gateway.openapi.json'
import inventorySnapshot from '../contracts/inventory.openapi.json'
import ordersSnapshot from '../contracts/orders.openapi.json'
import paymentsSnapshot from '../contracts/payments.openapi.json'
import usersSnapshot from '../contracts/users.openapi.json'
import { addedEndpoints, breakingChanges } from '../scripts/openapi-diff.mjs'
import { gateway as anonymousGateway, SERVICES, type ServiceName } from './helpers'
import { callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)

const SNAPSHOTS: Record<ServiceName | 'gateway', unknown> = {
  auth: authSnapshot,
  users: usersSnapshot,
  orders: ordersSnapshot,
  payments: paymentsSnapshot,
  inventory: inventorySnapshot,
  gateway: gatewaySnapshot,
}

// Loose on purpose: the tests edit documents at arbitrary depths.
type Json = Record<string, any>
const copy = (doc: unknown): Json => structuredClone(doc) as Json
const kinds = (oldDoc: unknown, newDoc: unknown) => breakingChanges(oldDoc, newDoc).map((c) => `${c.kind} ${c.where}`)

describe('the committed contract snapshots still hold', () => {
  it.each(SERVICES)('%s: the served document has no breaking change against contracts/', async (service) => {
    const bindings = env as unknown as Record<string, Fetcher>
    const res = await bindings[service.toUpperCase()]!.fetch(`http://origin/${service}/openapi.json`)
    expect(breakingChanges(SNAPSHOTS[service], await res.json())).toEqual([])
  })

  it('gateway: /openapi.json has no breaking change against contracts/', async () => {
    expect(breakingChanges(SNAPSHOTS.gateway, await (await gateway('/openapi.json')).json())).toEqual([])
  })
})

describe('the compatibility rules', () => {
  const base = usersSnapshot as Json

  it('the same document is compatible with itself', () => {
    expect(breakingChanges(base, copy(base))).toEqual([])
  })

  it('a removed response field is breaking', () => {
    const next = copy(base)
    delete next.components.schemas.User.properties.email
    next.components.schemas.User.required = next.components.schemas.User.required.filter((f: string) => f !== 'email')
    expect(kinds(base, next)).toEqual(
      expect.arrayContaining(['field-removed GET /users/{} 200.email', 'field-removed GET /users 200.data[].email']),
    )
  })

  it('a changed type is breaking (and so is a new value of a response enum)', () => {
    const next = copy(base)
    next.components.schemas.User.properties.id = { type: 'string' }
    next.components.schemas.User.properties.role.enum.push('auditor')
    expect(kinds(base, next)).toEqual(
      expect.arrayContaining(['type-changed GET /users/{} 200.id', 'type-changed GET /users/{} 200.role']),
    )
  })

  it('a new required input is breaking: body field, query parameter, body', () => {
    const next = copy(base)
    next.components.schemas.UserPatch.required = ['name']
    next.paths['/users'].get.parameters[0].required = true
    expect(kinds(base, next)).toEqual(
      expect.arrayContaining(['new-required-input PATCH /users/{} body.name', 'new-required-input GET /users query:limit']),
    )
    const orders = ordersSnapshot as Json
    const withBody = copy(orders)
    withBody.paths['/orders'].get.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object' } } } }
    expect(kinds(orders, withBody)).toEqual(['new-required-input GET /orders body'])
  })

  it('a removed endpoint or success response is breaking', () => {
    const next = copy(base)
    delete next.paths['/users/{id}'].patch
    delete next.paths['/users'].get.responses['200']
    expect(kinds(base, next).sort()).toEqual(['endpoint-removed PATCH /users/{}', 'response-removed GET /users 200'])
  })

  it('a narrower request type is breaking, a wider one is not', () => {
    const narrower = copy(base)
    narrower.components.schemas.UserPatch.properties.name = { type: 'integer' }
    expect(kinds(base, narrower)).toEqual(['type-changed PATCH /users/{} body.name'])
    const wider = copy(base)
    wider.components.schemas.UserPatch.properties.name = { type: ['string', 'null'] }
    expect(kinds(base, wider)).toEqual([])
  })

  it('additions are compatible: a new endpoint, an optional input, a new response field', () => {
    const next = copy(base)
    next.paths['/users/{id}/avatar'] = { get: { responses: { 200: { description: 'png' } } } }
    next.paths['/users'].get.parameters.push({ name: 'q', in: 'query', required: false, schema: { type: 'string' } })
    next.components.schemas.User.properties.nickname = { type: 'string' }
    next.components.schemas.UserPatch.properties.nickname = { type: 'string' }
    expect(breakingChanges(base, next)).toEqual([])
    expect(addedEndpoints(base, next)).toEqual(['GET /users/{}/avatar'])
  })

  it('renaming a path parameter is not a change of endpoint', () => {
    const next = copy(base)
    next.paths['/users/{userId}'] = next.paths['/users/{id}']
    delete next.paths['/users/{id}']
    expect(breakingChanges(base, next)).toEqual([])
  })
})
