import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startDenoStack, type DenoStack } from './support'
import { untilCacheHit } from '../support/cache-hit'

/**
 * Composites and the response cache under `deno serve`: parts go to URL upstreams, and
 * the cache is `caches.open('switchyard')` (Deno has no `caches.default`).
 */
let stack: DenoStack
let ada: Record<string, string>

beforeAll(async () => {
  stack = await startDenoStack()
  ada = { authorization: `Bearer ${await login(stack.gw.base, 'ada@example.com', 'ada-dev-password')}` }
})

afterAll(() => stack?.stop())

const stats = async (service: string) =>
  (await (await fetch(`${stack.origins.urls[service]}/__faults/stats`)).json()) as { byPath: Record<string, number> }

describe('aggregation and caching under deno serve', () => {
  it('answers the dashboard and a two-stage composite from URL upstreams', async () => {
    const dashboard = await fetch(`${stack.gw.base}/api/v2/me/dashboard`, { headers: ada })
    expect(dashboard.headers.get('switchyard-complete')).toBe('true')
    expect(((await dashboard.json()) as { profile: { email: string } }).profile.email).toBe('ada@example.com')

    const res = await fetch(`${stack.gw.base}/api/v2/orders/1/details`, { headers: ada })
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('true')
    const body = (await res.json()) as { order: { id: number }; stock: { sku: string }[] }
    expect(body.order.id).toBe(1)
    expect(body.stock.map((s) => s.sku).sort()).toEqual(['SKU-BLUE-CAP', 'SKU-RED-MUG'])
  })

  it('stores a cacheable answer with caches.open and serves the next one from it', async () => {
    // Deno keeps its cache on disk between runs: a query of this run's own keeps the key fresh.
    const path = `/api/v2/inventory/SKU-GREEN-TEE?run=${crypto.randomUUID()}`
    const first = await fetch(`${stack.gw.base}${path}`)
    expect(first.headers.get('cache-status')).toBe('switchyard; fwd=uri-miss; fwd-status=200; stored')
    await first.arrayBuffer()
    const { hit, misses } = await untilCacheHit(() => fetch(`${stack.gw.base}${path}`))
    expect(hit.headers.get('cache-status')).toMatch(/^switchyard; hit; ttl=[0-5]$/)
    expect(((await hit.json()) as { sku: string }).sku).toBe('SKU-GREEN-TEE')
    expect((await stats('inventory')).byPath['/inventory/SKU-GREEN-TEE']).toBe(1 + misses)
  })
})
