import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { customGateway, gateway } from './helpers'
import { sseReader } from './stream-support'

const inventory = (env as unknown as Record<string, Fetcher>).INVENTORY!

/** Holds `quantity` of `sku` at the origin; returns the release. */
async function hold(sku: string, quantity: number): Promise<() => Promise<void>> {
  const res = await inventory.fetch(`http://inventory/inventory/${sku}/reserve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quantity }),
  })
  expect(res.status).toBe(201)
  const { reservation_id } = (await res.json()) as { reservation_id: number }
  return async () => {
    await inventory.fetch(`http://inventory/inventory/${sku}/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reservation_id }),
    })
  }
}

const stock = (data: string) => JSON.parse(data) as { sku: string; available: number }

describe('Server-Sent Events through the gateway', () => {
  it('delivers the stock feed event by event: the second event follows a change made after the first was read', async () => {
    const res = await gateway('/api/v2/inventory/SKU-GREEN-TEE/feed')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.headers.get('cache-status')).toBeNull()
    const events = sseReader(res.body!)
    const first = await events.next()
    expect(first).toMatchObject({ event: 'stock', id: '1' })
    const before = stock(first!.data).available

    // The stream is still open: this change happens only now, and reaches the client as event 2.
    const release = await hold('SKU-GREEN-TEE', 2)
    try {
      const second = await events.next()
      expect(second).toMatchObject({ event: 'stock', id: '2' })
      expect(stock(second!.data)).toMatchObject({ sku: 'SKU-GREEN-TEE', available: before - 2 })
    } finally {
      await events.cancel()
      await release()
    }
  })

  it('is never coalesced: two identical feeds open at once each get their own stream', async () => {
    const [a, b] = await Promise.all([gateway('/api/v2/inventory/SKU-RED-MUG/feed'), gateway('/api/v2/inventory/SKU-RED-MUG/feed')])
    const readers = [sseReader(a.body!), sseReader(b.body!)]
    const firsts = await Promise.all(readers.map((r) => r.next()))
    expect(firsts.map((e) => e?.id)).toEqual(['1', '1'])
    await Promise.all(readers.map((r) => r.cancel()))
  })

  it('outlives the per-try timeout and the deadline, which bound only the wait for headers', async () => {
    const gw = customGateway({ resilience: { services: { inventory: { timeout: { perTryMs: 500, deadlineMs: 800 } } } } })
    const res = await gw.fetch('/api/v2/inventory/SKU-YELLOW-SOCKS/feed')
    expect(res.status).toBe(200)
    const events = sseReader(res.body!)
    const first = await events.next()
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const release = await hold('SKU-YELLOW-SOCKS', 1)
    try {
      const second = await events.next()
      expect(stock(second!.data).available).toBe(stock(first!.data).available - 1)
    } finally {
      await events.cancel()
      await release()
    }
  })

  it('answers an unknown SKU with a 404 problem before any stream', async () => {
    const res = await gateway('/api/v2/inventory/SKU-NOPE/feed')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })
})
