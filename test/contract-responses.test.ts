/**
 * Contract tests: every origin route, called directly over its service binding with
 * seed data and error cases, answers only statuses it declares, in the declared media
 * type, with a body its declared zod schema accepts. The last test checks that every
 * declared (route, status) pair was actually exercised.
 */
import type { RouteConfig } from '@hono/zod-openapi'
import { env } from 'cloudflare:workers'
import { afterAll, describe, expect, it } from 'vitest'
import { IDENTITY_HEADERS } from '../wire/identity'
import * as inventoryRoutes from '../services/inventory/src/routes'
import * as ordersRoutes from '../services/orders/src/routes'
import * as paymentsRoutes from '../services/payments/src/routes'
import * as usersRoutes from '../services/users/src/routes'
import { essence } from '../src/versioning/media-type'
import { resetOrigin, setFault, type ServiceName } from './helpers'

/** Each origin's route declarations, by export name: what these tests hold the origins to. */
const ORIGIN_ROUTES: Record<string, Record<string, RouteConfig>> = {
  users: usersRoutes,
  orders: ordersRoutes,
  payments: paymentsRoutes,
  inventory: inventoryRoutes,
}

const bindings = env as unknown as Record<string, Fetcher>
const covered = new Set<string>()
const label = (service: string, name: string, status: number | string) => `${service}.${name} ${status}`

type Body = Record<string, unknown>

/** Calls `service.name` at its origin and checks the answer against the declaration. */
// The identity the gateway forwards after verifying a token (wire/identity.ts).
const CALLERS = {
  admin: { [IDENTITY_HEADERS.subject]: '2', [IDENTITY_HEADERS.roles]: 'admin' },
  ada: { [IDENTITY_HEADERS.subject]: '1', [IDENTITY_HEADERS.roles]: 'customer' },
  anonymous: {},
}

/** Calls `service.name` at its origin (as the admin unless `as` says otherwise) and checks the answer against the declaration. */
async function call(
  service: ServiceName,
  name: string,
  path: string,
  init: RequestInit & { json?: unknown; as?: keyof typeof CALLERS } = {},
): Promise<{ status: number; body: Body }> {
  const route = ORIGIN_ROUTES[service]![name] as RouteConfig
  const { json, as = 'admin', headers: extra, ...rest } = init
  const headers = new Headers(CALLERS[as])
  if (json !== undefined) headers.set('content-type', 'application/json')
  new Headers(extra).forEach((value, key) => headers.set(key, value))
  const res = await bindings[service.toUpperCase()]!.fetch(`http://origin${path}`, {
    method: route.method.toUpperCase(),
    ...(json !== undefined && { body: JSON.stringify(json) }),
    headers,
    ...rest,
  })
  const where = `${route.method.toUpperCase()} ${path} → ${res.status}`
  const declared = route.responses[String(res.status)]
  expect(declared, `${where}: status not declared`).toBeDefined()
  const contentType = essence(res.headers.get('content-type') ?? '')
  const media = declared && 'content' in declared ? declared.content?.[contentType] : undefined
  expect(media, `${where}: ${contentType} not declared`).toBeDefined()
  const schema = media && 'schema' in media ? media.schema : undefined
  const body = (await res.json()) as Body
  const parsed = (schema as { safeParse: (v: unknown) => { success: boolean; error?: unknown } }).safeParse(body)
  expect(parsed.success, `${where}: body does not match its schema: ${JSON.stringify(parsed.error)}`).toBe(true)
  covered.add(label(service, name, res.status))
  return { status: res.status, body }
}

afterAll(() => resetOrigin('inventory'))

describe('users origin answers as declared', () => {
  it('listUsers, getUser, patchUser: seed data and errors', async () => {
    expect((await call('users', 'listUsers', '/users?limit=5')).body.data).toHaveLength(5)
    expect((await call('users', 'listUsers', '/users?limit=0')).status).toBe(400)
    expect((await call('users', 'getUser', '/users/1')).body.email).toBe('ada@example.com')
    expect((await call('users', 'getUser', '/users/0')).status).toBe(400)
    expect((await call('users', 'getUser', '/users/999999')).status).toBe(404)
    expect((await call('users', 'patchUser', '/users/6', { json: { name: 'Donald Knuth' } })).status).toBe(200)
    expect((await call('users', 'patchUser', '/users/6', { json: {} })).status).toBe(400)
    expect((await call('users', 'patchUser', '/users/999999', { json: { name: 'Nobody' } })).status).toBe(404)
    expect((await call('users', 'patchUser', '/users/6', { json: { email: 'ada@example.com' } })).status).toBe(409)
    expect((await call('users', 'patchUser', '/users/6', { body: 'name=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
  })
})

describe('orders origin answers as declared', () => {
  // Prices come from the catalogue (seed: SKU-BLUE-CAP 1500).
  const item = (sku: string, quantity: number) => ({ sku, quantity })

  it('createOrder: paid, pending, invalid, out of stock, wrong price, not JSON, inventory failing', async () => {
    const created = await call('orders', 'createOrder', '/orders', { json: { user_id: 2, currency: 'EUR', items: [item('SKU-BLUE-CAP', 1)] } })
    expect(created.status).toBe(201)
    expect(created.body.status).toBe('paid')
    const async = await call('orders', 'createOrder', '/orders', {
      json: { user_id: 2, currency: 'EUR', items: [item('SKU-BLUE-CAP', 1)] },
      headers: { prefer: 'respond-async' },
    })
    expect(async).toMatchObject({ status: 202, body: { status: 'pending' } })
    expect((await call('orders', 'createOrder', '/orders', { json: { user_id: 4, currency: 'eur', items: [] } })).status).toBe(400)
    // Saga outcome, waited for: inventory rejected the stock, the order is cancelled.
    const tooMany = { user_id: 2, currency: 'EUR', items: [item('SKU-LIMITED-PIN', 1000)] }
    expect((await call('orders', 'createOrder', '/orders', { json: tooMany })).status).toBe(409)
    const wrongPrice = { user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-BLUE-CAP', quantity: 1, unit_price_cents: 100 }] }
    expect((await call('orders', 'createOrder', '/orders', { json: wrongPrice })).status).toBe(422)
    expect((await call('orders', 'createOrder', '/orders', { body: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    await setFault('inventory', { mode: 'status', status: 500, times: 1 })
    const failing = await call('orders', 'createOrder', '/orders', { json: { user_id: 4, currency: 'EUR', items: [item('SKU-RED-MUG', 1)] } })
    expect(failing.status).toBe(502)
    const forGrace = { json: { user_id: 2, currency: 'EUR', items: [item('SKU-BLUE-CAP', 1)] } }
    expect((await call('orders', 'createOrder', '/orders', { ...forGrace, as: 'ada' })).status).toBe(403)
    expect((await call('orders', 'createOrder', '/orders', { ...forGrace, as: 'anonymous' })).status).toBe(401)
  })

  it('getOrder and listOrders', async () => {
    expect((await call('orders', 'getOrder', '/orders/1')).body.items).toHaveLength(2)
    expect((await call('orders', 'getOrder', '/orders/x')).status).toBe(400)
    expect((await call('orders', 'getOrder', '/orders/999999')).status).toBe(404)
    expect((await call('orders', 'listOrders', '/orders?user=1')).body.data).not.toHaveLength(0)
    expect((await call('orders', 'listOrders', '/orders')).status).toBe(400)
    expect((await call('orders', 'getOrder', '/orders/4', { as: 'ada' })).status).toBe(404)
    expect((await call('orders', 'getOrder', '/orders/1', { as: 'anonymous' })).status).toBe(401)
    expect((await call('orders', 'listOrders', '/orders?user=2', { as: 'ada' })).status).toBe(403)
    expect((await call('orders', 'listOrders', '/orders?user=1', { as: 'anonymous' })).status).toBe(401)
  })
})

describe('payments origin answers as declared', () => {
  it('methods, charges and refunds with their errors', async () => {
    expect((await call('payments', 'listMethods', '/payments/users/1/methods')).body.data).toHaveLength(2)
    expect((await call('payments', 'listMethods', '/payments/users/-1/methods')).status).toBe(400)
    const charge = { order_id: 2, user_id: 1, amount_cents: 6000, currency: 'EUR', method_id: 1 }
    const created = await call('payments', 'createCharge', '/payments/charges', { json: charge })
    expect(created.status).toBe(201)
    expect((await call('payments', 'createCharge', '/payments/charges', { json: { ...charge, amount_cents: 0 } })).status).toBe(400)
    expect((await call('payments', 'createCharge', '/payments/charges', { json: { ...charge, method_id: 3 } })).status).toBe(422)
    expect((await call('payments', 'createCharge', '/payments/charges', { body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    expect((await call('payments', 'getCharge', '/payments/charges/1')).body.status).toBe('succeeded')
    expect((await call('payments', 'getCharge', '/payments/charges/abc')).status).toBe(400)
    expect((await call('payments', 'getCharge', '/payments/charges/999999')).status).toBe(404)
    expect((await call('payments', 'listCharges', '/payments/charges?order=4')).body.data).toHaveLength(1)
    expect((await call('payments', 'listCharges', '/payments/charges?order=')).status).toBe(400)
    expect((await call('payments', 'listMethods', '/payments/users/2/methods', { as: 'ada' })).status).toBe(403)
    expect((await call('payments', 'listMethods', '/payments/users/1/methods', { as: 'anonymous' })).status).toBe(401)
    expect((await call('payments', 'createCharge', '/payments/charges', { json: { ...charge, user_id: 2, method_id: 3 }, as: 'ada' })).status).toBe(403)
    expect((await call('payments', 'createCharge', '/payments/charges', { json: charge, as: 'anonymous' })).status).toBe(401)
    expect((await call('payments', 'getCharge', '/payments/charges/2', { as: 'ada' })).status).toBe(404)
    expect((await call('payments', 'getCharge', '/payments/charges/1', { as: 'anonymous' })).status).toBe(401)
    expect((await call('payments', 'listCharges', '/payments/charges?order=4', { as: 'ada' })).body.data).toHaveLength(0)
    expect((await call('payments', 'listCharges', '/payments/charges?order=4', { as: 'anonymous' })).status).toBe(401)
    const refunds = `/payments/charges/${created.body.id}/refunds`
    expect((await call('payments', 'createRefund', refunds, { json: { amount_cents: 100 } })).status).toBe(201)
    expect((await call('payments', 'createRefund', refunds, { json: { amount_cents: -1 } })).status).toBe(400)
    expect((await call('payments', 'createRefund', refunds, { json: { amount_cents: 999_999 } })).status).toBe(422)
    expect((await call('payments', 'createRefund', '/payments/charges/999999/refunds', { json: { amount_cents: 1 } })).status).toBe(404)
    expect((await call('payments', 'createRefund', refunds, { body: '1', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
  })
})

describe('inventory origin answers as declared', () => {
  it('stock reads, reserve and release with their errors', async () => {
    expect((await call('inventory', 'getStock', '/inventory/SKU-RED-MUG')).body.sku).toBe('SKU-RED-MUG')
    expect((await call('inventory', 'getStock', '/inventory/not-a-sku')).status).toBe(400)
    expect((await call('inventory', 'getStock', '/inventory/SKU-NOPE')).status).toBe(404)
    expect((await call('inventory', 'listStock', '/inventory?skus=SKU-RED-MUG,SKU-NOPE')).body.missing).toEqual(['SKU-NOPE'])
    expect((await call('inventory', 'listStock', '/inventory')).status).toBe(400)
    const held = await call('inventory', 'reserve', '/inventory/SKU-BLACK-HOODIE/reserve', { json: { quantity: 1 } })
    expect(held.status).toBe(201)
    expect((await call('inventory', 'reserve', '/inventory/SKU-BLACK-HOODIE/reserve', { json: { quantity: 0 } })).status).toBe(400)
    expect((await call('inventory', 'reserve', '/inventory/SKU-NOPE/reserve', { json: { quantity: 1 } })).status).toBe(404)
    expect((await call('inventory', 'reserve', '/inventory/SKU-LIMITED-PIN/reserve', { json: { quantity: 1000 } })).status).toBe(409)
    expect((await call('inventory', 'reserve', '/inventory/SKU-RED-MUG/reserve', { body: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    const release = '/inventory/SKU-BLACK-HOODIE/release'
    expect((await call('inventory', 'release', release, { json: { reservation_id: held.body.reservation_id } })).body.status).toBe('released')
    expect((await call('inventory', 'release', release, { json: { reservation_id: 'x' } })).status).toBe(400)
    expect((await call('inventory', 'release', release, { json: { reservation_id: 999_999 } })).status).toBe(404)
    expect((await call('inventory', 'release', release, { body: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
  })
})

describe('coverage', () => {
  it('every declared (route, status) of every origin was exercised', () => {
    const declared = Object.entries(ORIGIN_ROUTES).flatMap(([service, routes]) =>
      Object.entries(routes).flatMap(([name, route]) => Object.keys(route.responses).map((status) => label(service, name, status))),
    )
    expect(declared.length).toBeGreaterThan(40)
    expect(declared.filter((d) => !covered.has(d))).toEqual([])
  })
})
