/**
 * Owner checks at the origins, through the gateway with real tokens: a customer's
 * scopes let them at orders and payments, but only their own (services/shared/ownership.ts).
 * Seed: Ada (user 1, customer) has orders 1-3, cards 1-2 and charge 1; Grace (user 2,
 * admin) has order 4, card 3 and charge 2.
 */
import { describe, expect, it } from 'vitest'
import { expectProblem, gateway } from './helpers'
import { bearer, type DevUser } from './tokens'

const get = async (path: string, as: DevUser) => gateway(path, { headers: await bearer(as) })
const post = async (path: string, as: DevUser, body: unknown) =>
  gateway(path, {
    method: 'POST',
    headers: { ...(await bearer(as)), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('orders: a customer sees only their own', () => {
  it('Ada reads her own order', async () => {
    const res = await get('/api/v2/orders/1', 'ada')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 1, user_id: 1 })
  })

  it("Ada reading Grace's order gets the same 404 as a missing one", async () => {
    const body = await expectProblem(await get('/api/v2/orders/4', 'ada'), 404)
    const missing = await expectProblem(await get('/api/v2/orders/999999', 'ada'), 404)
    expect(body.type).toBe(missing.type)
    expect(body.title).toBe(missing.title)
  })

  it("Ada listing Grace's orders is refused (403); her own list has only hers", async () => {
    const body = await expectProblem(await get('/api/v2/orders?user=2', 'ada'), 403)
    expect(body.type).toContain('not-owner')
    const own = (await (await get('/api/v2/orders?user=1', 'ada')).json()) as { data: { user_id: number }[] }
    expect(own.data.length).toBeGreaterThan(0)
    expect(own.data.every((o) => o.user_id === 1)).toBe(true)
  })

  it('Ada cannot place an order for Grace (403, none written); she can for herself', async () => {
    const order = { currency: 'EUR', items: [{ sku: 'SKU-BLUE-CAP', quantity: 1, unit_price_cents: 1500 }] }
    const graces = async () => ((await (await get('/api/v2/orders?user=2&limit=100', 'grace')).json()) as { data: unknown[] }).data
    const before = (await graces()).length
    await expectProblem(await post('/api/v2/orders', 'ada', { ...order, user_id: 2 }), 403)
    expect(await graces()).toHaveLength(before)
    const own = await post('/api/v2/orders', 'ada', { ...order, user_id: 1 })
    expect(own.status).toBe(201)
    expect(await own.json()).toMatchObject({ user_id: 1 })
  })

  it("Grace (admin) reads Ada's order and list", async () => {
    expect(await (await get('/api/v2/orders/1', 'grace')).json()).toMatchObject({ id: 1, user_id: 1 })
    expect((await get('/api/v2/orders?user=1', 'grace')).status).toBe(200)
  })
})

describe('payments: a customer sees and charges only their own', () => {
  it("Ada listing Grace's payment methods is refused; her own are hers", async () => {
    await expectProblem(await get('/api/v2/payments/users/2/methods', 'ada'), 403)
    const own = (await (await get('/api/v2/payments/users/1/methods', 'ada')).json()) as { data: { user_id: number }[] }
    expect(own.data.map((m) => m.user_id)).toEqual([1, 1])
  })

  it("Ada charging Grace's card as Grace is refused and writes no charge", async () => {
    const charges = async () => ((await (await get('/api/v2/payments/charges?order=4', 'grace')).json()) as { data: unknown[] }).data
    const before = (await charges()).length
    const res = await post('/api/v2/payments/charges', 'ada', { order_id: 4, user_id: 2, method_id: 3, amount_cents: 100, currency: 'USD' })
    await expectProblem(res, 403)
    expect(await charges()).toHaveLength(before)
  })

  it("Ada reading Grace's charge gets 404; Grace's order looks unpaid to her", async () => {
    await expectProblem(await get('/api/v2/payments/charges/2', 'ada'), 404)
    expect(await (await get('/api/v2/payments/charges/1', 'ada')).json()).toMatchObject({ id: 1, user_id: 1 })
    expect(await (await get('/api/v2/payments/charges?order=4', 'ada')).json()).toMatchObject({ data: [] })
  })

  it("Grace (admin) reads Ada's methods and charges", async () => {
    expect(((await (await get('/api/v2/payments/users/1/methods', 'grace')).json()) as { data: unknown[] }).data).toHaveLength(2)
    expect(await (await get('/api/v2/payments/charges/1', 'grace')).json()).toMatchObject({ id: 1, user_id: 1 })
  })
})

describe('composites carry the caller to every part', () => {
  it('/me/dashboard still shows Ada her orders and cards', async () => {
    const res = await get('/api/v2/me/dashboard', 'ada')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { orders: unknown[]; payment_methods: unknown[]; errors?: unknown }
    expect(body.orders.length).toBeGreaterThan(0)
    expect(body.payment_methods).toHaveLength(2)
    expect(body.errors).toBeUndefined()
  })

  it("/orders/{id}/details of someone else's order is not served", async () => {
    expect((await get('/api/v2/orders/4/details', 'ada')).status).not.toBe(200)
    expect((await get('/api/v2/orders/4/details', 'grace')).status).toBe(200)
    expect((await get('/api/v2/orders/1/details', 'ada')).status).toBe(200)
  })
})
