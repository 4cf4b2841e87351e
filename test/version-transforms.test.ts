import { describe, expect, it } from 'vitest'
import { v1Changes } from '../routes/v1'
import { v2Routes } from '../routes/v2'
import type { RouteSpec } from '../routes/table'
import { downgrade, pick, renameFields, upgradeBody, upgradeQuery, type VersionStep } from '../src/versioning/transforms'
import { createVersioning } from '../src/versioning/versioning'
import { expectProblem, gateway as anonymousGateway, originStats, resetOrigin } from './helpers'
import { bearer, callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000)
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

describe('v1 served from the v2 origins by transforms', () => {
  it('users: v1 is { id, name }, in single reads and in pages', async () => {
    const page = (await (await gateway('/api/v1/users?limit=2')).json()) as { data: unknown[]; next_cursor: string }
    expect(page.data).toEqual([
      { id: 1, name: 'Ada Lovelace' },
      { id: 2, name: 'Grace Hopper' },
    ])
    const next = (await (await gateway(`/api/v1/users?limit=2&cursor=${page.next_cursor}`)).json()) as { data: { id: number }[] }
    expect(next.data.map((u) => u.id)).toEqual([3, 4])
  })

  it('users: /users/me is downgraded too', async () => {
    const me = await anonymousGateway('/api/v1/users/me', { headers: await bearer('ada') })
    expect(await me.json()).toEqual({ id: 1, name: 'Ada Lovelace' })
  })

  it('orders: user_id is customer_id and created_at is Unix seconds in v1', async () => {
    const v2 = (await (await gateway('/api/v2/orders/1')).json()) as Record<string, unknown>
    const v1 = (await (await gateway('/api/v1/orders/1')).json()) as Record<string, unknown>
    expect(v2).toMatchObject({ id: 1, user_id: 1, created_at: '2026-02-01T10:00:00.000Z' })
    const { user_id, created_at, ...same } = v2
    expect(v1).toEqual({ ...same, customer_id: user_id, created_at: unix(created_at as string) })
    expect(v1.created_at).toBe(1769940000)
  })

  it('orders listing: v1 filters with ?customer=, renamed to ?user= for the origin', async () => {
    const res = await gateway('/api/v1/orders?customer=2')
    expect(res.status).toBe(200)
    const page = (await res.json()) as { data: { customer_id: number; user_id?: number }[] }
    expect(page.data.length).toBeGreaterThan(0)
    for (const order of page.data) {
      expect(order.customer_id).toBe(2)
      expect(order.user_id).toBeUndefined()
    }
  })

  it('creating an order in v1: customer_id in, customer_id out', async () => {
    const res = await gateway(
      '/api/v1/orders',
      json({ customer_id: 1, currency: 'EUR', items: [{ sku: 'SKU-YELLOW-SOCKS', quantity: 1, unit_price_cents: 800 }] }),
    )
    expect(res.status).toBe(201)
    const order = (await res.json()) as Record<string, unknown>
    expect(order).toMatchObject({ customer_id: 1, total_cents: 800 })
    expect(order.user_id).toBeUndefined()
    expect(typeof order.created_at).toBe('number')
    const v2 = (await (await gateway(`/api/v2/orders/${order.id}`)).json()) as Record<string, unknown>
    expect(v2.user_id).toBe(1)
  })

  it('validation errors name the field as v1 calls it, and the origin is not called', async () => {
    await resetOrigin('orders')
    const missing = await gateway('/api/v1/orders', json({ currency: 'EUR', items: [] }))
    const body = await expectProblem(missing, 400)
    const pointers = (body.errors as { pointer: string }[]).map((e) => e.pointer)
    expect(pointers).toContain('/customer_id')
    expect(pointers).not.toContain('/user_id')

    const both = await gateway(
      '/api/v1/orders',
      json({ customer_id: 1, user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1, unit_price_cents: 1 }] }),
    )
    const twice = await expectProblem(both, 400)
    expect(twice.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/user_id' })])

    const badQuery = await expectProblem(await gateway('/api/v1/orders?customer=abc'), 400)
    expect(badQuery.errors).toEqual([expect.objectContaining({ in: 'query', pointer: '/customer' })])
    expect((await originStats('orders')).requests).toBe(0)
  })

  it('PATCH answers in the v1 shape; errors pass through untouched', async () => {
    const res = await gateway('/api/v1/users/4', { ...json({ name: 'Edsger Dijkstra' }), method: 'PATCH' })
    expect(await res.json()).toEqual({ id: 4, name: 'Edsger Dijkstra' })
    const missing = await expectProblem(await gateway('/api/v1/orders/999999'), 404)
    expect(missing.detail).toContain('999999')
  })

  it('routes the step does not touch are served as v2 (inventory)', async () => {
    const [v1, v2] = await Promise.all(['v1', 'v2'].map(async (v) => (await gateway(`/api/${v}/inventory/SKU-RED-MUG`)).json()))
    expect(v1).toEqual(v2)
  })
})

describe('the chain: one step per version', () => {
  // A hypothetical v3 that renames users' `name` to `full_name`: one more step, v2→v3.
  const v3Routes: RouteSpec[] = v2Routes
  const v2Changes: VersionStep = {
    from: 'v2',
    to: 'v3',
    summary: 'v3 renames name to full_name',
    routes: {
      'GET /users/:id': { response: renameFields({ full_name: 'name' }) },
      'PATCH /users/:id': { request: { body: { name: 'full_name' } }, response: renameFields({ full_name: 'name' }) },
    },
  }
  const versioning = createVersioning(
    { versions: { supported: ['v1', 'v2', 'v3'], default: 'v3' }, deprecations: {} },
    [v1Changes, v2Changes],
    { v1: v3Routes, v2: v3Routes, v3: v3Routes },
  )
  const v3User = { id: 1, full_name: 'Ada Lovelace', email: 'ada@example.com', role: 'customer', created_at: 'x' }

  it('v1 goes through both steps, v2 through one, v3 through none', () => {
    expect(versioning.steps('v1').map((s) => s.to)).toEqual(['v2', 'v3'])
    expect(versioning.steps('v2').map((s) => s.to)).toEqual(['v3'])
    expect(versioning.steps('v3')).toEqual([])
  })

  it('responses are downgraded newest step first', () => {
    const spec = { method: 'GET', path: '/users/:id' } as const
    const { full_name, ...rest } = v3User
    expect(downgrade(v3User, versioning.changes('v2', spec))).toEqual({ ...rest, name: full_name })
    expect(downgrade(v3User, versioning.changes('v1', spec))).toEqual({ id: 1, name: 'Ada Lovelace' })
  })

  it('requests are upgraded oldest step first', () => {
    const changes = versioning.changes('v1', { method: 'PATCH', path: '/users/:id' })
    expect(upgradeBody({ name: 'Ada' }, changes.map((c) => c.request?.body))).toEqual({ full_name: 'Ada' })
    const orders = versioning.changes('v1', { method: 'GET', path: '/orders' })
    const query = upgradeQuery(new URLSearchParams('customer=1&limit=5'), orders.map((c) => c.request?.query))
    expect(query.toString()).toBe('user=1&limit=5')
  })

  it('a missing step or a step for a route that does not exist is refused at start-up', () => {
    const config = { versions: { supported: ['v1', 'v2', 'v3'], default: 'v3' }, deprecations: {} }
    const tables = { v1: v3Routes, v2: v3Routes, v3: v3Routes }
    expect(() => createVersioning(config, [v1Changes], tables)).toThrow(/no transform step leads from v2 towards v3/)
    const typo: VersionStep = { from: 'v2', to: 'v3', summary: '', routes: { 'GET /user/:id': { response: pick('id') } } }
    expect(() => createVersioning(config, [v1Changes, typo], tables)).toThrow(/GET \/user\/:id, which v3 has no route for/)
  })
})
