import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'

/**
 * Composites and the response cache under `deno serve`: parts go to URL upstreams, and
 * the cache is `caches.open('switchyard')` (Deno has no `caches.default`).
 */
let origins: { urls: Record<string, string>; dispose: () => Promise<void> }
let gw: { base: string; stop: () => void }

beforeAll(async () => {
  origins = await startOriginServers()
  gw = await startDenoGateway({ urls: origins.urls, port: await freePort() })
})

afterAll(async () => {
  gw?.stop()
  await origins?.dispose()
})

const stats = async (service: string) =>
  (await (await fetch(`${origins.urls[service]}/__faults/stats`)).json()) as { byPath: Record<string, number> }

describe('aggregation and caching under deno serve', () => {
  it('answers a two-stage composite from URL upstreams', async () => {
    const res = await fetch(`${gw.base}/api/v2/orders/1/details`)
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('true')
    const body = (await res.json()) as { order: { id: number }; stock: { sku: string }[] }
    expect(body.order.id).toBe(1)
    expect(body.stock.map((s) => s.sku).sort()).toEqual(['SKU-BLUE-CAP', 'SKU-RED-MUG'])
  })

  it('stores a cacheable answer with caches.open and serves the next one from it', async () => {
    // Deno keeps its cache on disk between runs: a query of this run's own keeps the key fresh.
    const path = `/api/v2/inventory/SKU-GREEN-TEE?run=${crypto.randomUUID()}`
    const first = await fetch(`${gw.base}${path}`)
    expect(first.headers.get('cache-status')).toBe('switchyard; fwd=uri-miss; fwd-status=200; stored')
    await first.arrayBuffer()
    // Deno has no waitUntil: the store runs on its own right after the answer.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = await fetch(`${gw.base}${path}`)
    expect(second.headers.get('cache-status')).toMatch(/^switchyard; hit; ttl=[0-5]$/)
    expect(((await second.json()) as { sku: string }).sku).toBe('SKU-GREEN-TEE')
    expect((await stats('inventory')).byPath['/inventory/SKU-GREEN-TEE']).toBe(1)
  })
})
