import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { workersConfig } from '../src/config/deployment'
import { originStats, resetOrigin, type OriginStats } from './helpers'
import { testGateway } from './support/gateway'

// Every test gets a gateway with a cache of its own (Cache API `caches.open(<name>)`),
// over the real origins. Its inventory is the test instance INVENTORY_CACHED, whose
// stock levels are `public, max-age=1, stale-while-revalidate=2` (vitest.config.ts),
// so staleness can be watched.
const fresh = () =>
  testGateway({
    services: { ...workersConfig().services, inventory: { bindings: ['INVENTORY_CACHED'] } },
    caching: { name: `test-${crypto.randomUUID()}` },
  })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const STOCK = '/api/v2/inventory/SKU-RED-MUG'
const status = (res: Response) => res.headers.get('cache-status')

const inventory = (env as unknown as Record<string, Fetcher>).INVENTORY_CACHED!
async function count(service: 'inventory' | 'payments' | 'users', path: string): Promise<number> {
  const stats =
    service === 'inventory'
      ? ((await (await inventory.fetch('http://origin/__faults/stats')).json()) as OriginStats)
      : await originStats(service)
  return stats.byPath[path] ?? 0
}
async function reset() {
  await inventory.fetch('http://origin/__faults/stats', { method: 'DELETE' })
  await Promise.all([resetOrigin('payments'), resetOrigin('users')])
}

beforeEach(reset)
afterEach(reset)

describe('response cache: miss, hit, keys', () => {
  it('a miss is stored; the next request is a hit that never reaches the origin', async () => {
    const gw = fresh()
    const first = await gw.fetch(STOCK)
    expect(first.status).toBe(200)
    expect(status(first)).toBe('switchyard; fwd=uri-miss; fwd-status=200; stored')
    const body = await first.json()
    await gw.settled()

    const second = await gw.fetch(STOCK)
    expect(second.status).toBe(200)
    expect(status(second)).toMatch(/^switchyard; hit; ttl=[01]$/)
    expect(second.headers.get('age')).toMatch(/^[0-9]+$/)
    expect(second.headers.get('content-type')).toContain('application/json')
    expect(second.headers.get('cache-control')).toBe('public, max-age=1, stale-while-revalidate=2')
    // per-request headers are the new request's own, never replayed from the stored one
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'))
    expect(await second.json()).toEqual(body)
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(1)
  })

  it('HEAD is answered from the stored GET', async () => {
    const gw = fresh()
    await (await gw.fetch(STOCK)).text()
    await gw.settled()
    const head = await gw.fetch(STOCK, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(status(head)).toMatch(/hit/)
    expect(await head.text()).toBe('')
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(1)
  })

  it('keys include what the response names in Vary (Accept here: JSON or CSV)', async () => {
    const gw = fresh()
    const csv = { headers: { accept: 'text/csv' } }
    await (await gw.fetch(STOCK)).text()
    await gw.settled()
    const variant = await gw.fetch(STOCK, csv)
    expect(status(variant)).toBe('switchyard; fwd=vary-miss; fwd-status=200; stored')
    expect(await variant.text()).toMatch(/^sku,name,on_hand,reserved,available\r\nSKU-RED-MUG,Red mug,/)
    await gw.settled()

    const again = await gw.fetch(STOCK, csv)
    expect(status(again)).toMatch(/hit/)
    expect(again.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(await again.text()).toMatch(/^sku,name,/)
    const json = await gw.fetch(STOCK)
    expect(status(json)).toMatch(/hit/)
    expect(((await json.json()) as { sku: string }).sku).toBe('SKU-RED-MUG')
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(2)
  })

  it('keys include the API version and the query', async () => {
    const gw = fresh()
    await (await gw.fetch(STOCK)).text()
    await gw.settled()
    const v1 = await gw.fetch('/api/v1/inventory/SKU-RED-MUG')
    expect(status(v1)).toMatch(/fwd=uri-miss/)
    const query = await gw.fetch(`${STOCK}?view=1`)
    expect(status(query)).toMatch(/fwd=uri-miss/)
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(3)
  })

  it('the docs routes are cacheable too (the origin sends public, max-age=300)', async () => {
    const gw = fresh()
    await (await gw.fetch('/api/v2/users/openapi.json')).text()
    await gw.settled()
    const second = await gw.fetch('/api/v2/users/openapi.json')
    expect(status(second)).toMatch(/^switchyard; hit; ttl=(29[0-9]|300)$/)
    expect(((await second.json()) as { openapi: string }).openapi).toBe('3.1.0')
  })

  it('routes that do not opt in are not touched', async () => {
    const res = await fresh().fetch('/api/v2/orders/1', { as: 'ada' })
    expect(res.status).toBe(200)
    expect(status(res)).toBeNull()
  })

  it('errors are not stored', async () => {
    const gw = fresh()
    const missing = await gw.fetch('/api/v2/inventory/SKU-NOPE')
    expect(missing.status).toBe(404)
    expect(status(missing)).toBe('switchyard; fwd=uri-miss; fwd-status=404; detail=status')
  })
})

describe('response cache: credentials and per-user entries', () => {
  it('an authenticated request bypasses a shared route: it neither reads nor writes the shared entry', async () => {
    const gw = fresh()
    const authed = await gw.fetch(STOCK, { as: 'ada' })
    expect(status(authed)).toBe('switchyard; fwd=bypass; detail=credentials')
    await gw.settled()
    const anonymous = await gw.fetch(STOCK)
    expect(status(anonymous)).toMatch(/fwd=uri-miss/)
    await gw.settled()
    // Authorization or Cookie alone are credentials too
    for (const headers of [{ authorization: 'Bearer x' }, { cookie: 'session=1' }] as Record<string, string>[]) {
      expect(status(await gw.fetch(STOCK, { headers }))).toBe('switchyard; fwd=bypass; detail=credentials')
    }
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(4)
  })

  it('per-user route: each caller has their own entry, never another’s', async () => {
    const gw = fresh()
    const path = '/api/v2/payments/users/1/methods'
    const ada = await gw.fetch(path, { as: 'ada' })
    expect(status(ada)).toBe('switchyard; fwd=uri-miss; fwd-status=200; stored')
    const adaBody = await ada.json()
    await gw.settled()
    const adaAgain = await gw.fetch(path, { as: 'ada' })
    expect(status(adaAgain)).toMatch(/^switchyard; hit/)
    expect(await adaAgain.json()).toEqual(adaBody)

    // another caller on the same URL: a miss of their own, then their own hit
    const grace = await gw.fetch(path, { as: 'grace' })
    expect(status(grace)).toMatch(/fwd=uri-miss/)
    await gw.settled()
    expect(status(await gw.fetch(path, { as: 'grace' }))).toMatch(/hit/)
    expect(await count('payments', '/payments/users/1/methods')).toBe(2)
  })
})

describe('response cache: staleness', () => {
  it('stale within stale-while-revalidate → served at once, refreshed once in the background', async () => {
    const gw = fresh()
    const first = (await (await gw.fetch(STOCK)).json()) as { sku: string }
    await gw.settled()
    await sleep(1100)

    const [a, b] = await Promise.all([gw.fetch(STOCK), gw.fetch(STOCK)])
    for (const res of [a, b]) {
      expect(status(res)).toMatch(/^switchyard; hit; ttl=-?[0-9]+; detail=stale-while-revalidate$/)
      expect(await res.json()).toEqual(first)
    }
    await gw.settled()
    // one refresh for both stale hits
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(2)
    const refreshed = await gw.fetch(STOCK)
    expect(status(refreshed)).toMatch(/^switchyard; hit; ttl=[01]$/)
  })

  it('past stale-while-revalidate → a miss that goes to the origin', async () => {
    const gw = fresh()
    await (await gw.fetch(STOCK)).text()
    await gw.settled()
    await sleep(3200)
    const late = await gw.fetch(STOCK)
    expect(status(late)).toMatch(/^switchyard; fwd=(uri-miss|stale); fwd-status=200; stored$/)
    expect(await count('inventory', '/inventory/SKU-RED-MUG')).toBe(2)
  })
})
