import { describe, expect, it } from 'vitest'
import { expectProblem, gateway, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

interface User {
  id: number
  name: string
  email: string
}

describe('proxying to origins over service bindings', () => {
  it('GET /api/v2/users/1 returns the seeded user from the users origin', async () => {
    const res = await gateway('/api/v2/users/1', { headers: await bearer('grace') })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const user = (await res.json()) as User
    expect(user).toMatchObject({ id: 1, name: 'Ada Lovelace', email: 'ada@example.com' })
  })

  it('serves the same origin route under v1, in the v1 shape', async () => {
    const res = await gateway('/api/v1/users/2', { headers: await bearer('grace') })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id: 2, name: 'Grace Hopper' })
  })

  it('forwards the query string (pagination)', async () => {
    const res = await gateway('/api/v2/users?limit=3', { headers: await bearer('grace') })
    expect(res.status).toBe(200)
    const page = (await res.json()) as { data: User[]; next_cursor: string | null }
    expect(page.data).toHaveLength(3)
    expect(page.next_cursor).not.toBeNull()
    const next = await gateway(`/api/v2/users?limit=3&cursor=${encodeURIComponent(page.next_cursor!)}`, {
      headers: await bearer('grace'),
    })
    const second = (await next.json()) as { data: User[] }
    expect(second.data[0]!.id).toBeGreaterThan(page.data[2]!.id)
  })

  it('streams a request body to the origin and its answer back (create then read an order)', async () => {
    const created = await gateway('/api/v2/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearer('grace')) },
      body: JSON.stringify({
        user_id: 2,
        currency: 'EUR',
        items: [{ sku: 'SKU-RED-MUG', quantity: 1, unit_price_cents: 1200 }],
      }),
    })
    expect(created.status).toBe(201)
    const order = (await created.json()) as { id: number; total_cents: number }
    // The origin's `Location: /orders/<id>` comes back as the client's path to it.
    expect(created.headers.get('location')).toBe(`/api/v2/orders/${order.id}`)
    expect(order.total_cents).toBe(1200)
    const read = await gateway(`/api/v2/orders/${order.id}`, { headers: await bearer('grace') })
    expect(read.status).toBe(200)
    expect(((await read.json()) as { id: number }).id).toBe(order.id)
  })

  it('passes origin errors through as problem+json (unknown id, bad id)', async () => {
    const headers = await bearer('grace')
    await expectProblem(await gateway('/api/v2/users/999999', { headers }), 404)
    await expectProblem(await gateway('/api/v2/users/abc', { headers }), 400)
  })

  it('passes a malformed JSON body on to the origin, which answers 400 problem+json', async () => {
    const res = await gateway('/api/v2/users/1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await bearer('grace')) },
      body: '{"name": ',
    })
    await expectProblem(res, 400)
  })

  it('ignores the Host header and absolute URLs: the target is fixed by the route', async () => {
    await resetOrigin('users')
    const res = await exportsFetch('http://evil.example/api/v2/users/1', {
      headers: { host: 'evil.example', ...(await bearer('grace')) },
    })
    expect(res.status).toBe(200)
    expect((await originStats('users')).byPath['/users/1']).toBe(1)
  })
})

async function exportsFetch(url: string, init?: RequestInit): Promise<Response> {
  const { exports } = await import('cloudflare:workers')
  return exports.default.fetch(new Request(url, init))
}
