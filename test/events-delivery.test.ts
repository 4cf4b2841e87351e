/**
 * Delivery guarantees of the events between origins: at-least-once delivery with
 * effectively-once effects. Duplicates have one effect, a failed queue send is sent by
 * the sweep, a message that can never be handled is dead-lettered (at once when it is
 * malformed, after the queue's retries when its handler keeps failing) and an admin
 * replays it once the cause is fixed. Real queues and D1; faults injected at the origins.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { expectProblem, gateway, resetOrigin, setFault } from './helpers'
import { bearer } from './tokens'
import { chargesOf, db, getOrder, outboxDrained, placeOrder, queue, reservationsOf, settled, stockOf, sweep, until } from './events-support'

afterEach(async () => {
  await resetOrigin('inventory')
  await resetOrigin('orders')
  await resetOrigin('payments')
})

/** An OrderPlaced envelope as the orders service would write it (for an order id orders never made). */
function orderPlaced(orderId: number, sku: string, quantity: number) {
  return {
    specversion: '1.0',
    id: crypto.randomUUID(),
    type: 'OrderPlaced',
    source: '/switchyard/orders',
    subject: `orders/${orderId}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataversion: '1',
    data: { order_id: orderId, user_id: 1, items: [{ sku, quantity, unit_price_cents: 800 }], total_cents: 800 * quantity, currency: 'EUR', payment_method_id: null },
  }
}

const deadLetters = async (service: 'orders' | 'inventory' | 'payments') => {
  const res = await gateway(`/api/v2/${service}/events/dead-letters`, { headers: await bearer('grace') })
  expect(res.status).toBe(200)
  return ((await res.json()) as { data: { id: number; event_id: string | null; type: string | null; reason: string; attempts: number; replayed_at: string | null }[] }).data
}

describe('events: nothing doubled', () => {
  it('the same event delivered twice (same batch, then again later) has one effect per service', async () => {
    const before = await stockOf('SKU-YELLOW-SOCKS')
    const event = orderPlaced(900_001, 'SKU-YELLOW-SOCKS', 2)
    const twice = [{ body: event, contentType: 'json' as const }, { body: event, contentType: 'json' as const }]
    await queue('inventory').sendBatch(twice)
    await queue('payments').sendBatch(twice)
    // Inventory holds once and announces it once; payments charges once.
    await until(() => chargesOf(900_001), (c) => c.length === 1)
    await queue('inventory').send(event, { contentType: 'json' })
    await queue('payments').send(event, { contentType: 'json' })
    await outboxDrained('inventory')
    expect(await reservationsOf(900_001)).toHaveLength(1)
    expect((await stockOf('SKU-YELLOW-SOCKS')).reserved).toBe(before.reserved + 2)
    expect(await chargesOf(900_001)).toEqual([expect.objectContaining({ amount_cents: 1600 })])
    const reserved = await db('inventory').prepare(`SELECT count(DISTINCT event_id) AS n FROM outbox WHERE type = 'StockReserved' AND envelope LIKE ?1`).bind('%"order_id":900001%').first<{ n: number }>()
    expect(reserved?.n).toBe(1)
    // The order itself does not exist at orders: its PaymentCompleted changes nothing there.
  })
})

describe('events: nothing lost', () => {
  it('a queue send that fails leaves the event in the outbox; the Cron sweep delivers it', async () => {
    // The first send to inventory's queue fails (payments' copy of the event goes out).
    await setFault('orders', { mode: 'status', paths: '/__relay/inventory', times: 1 })
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] })
    const { id } = (await res.json()) as { id: number }
    const row = await until(
      () =>
        db('orders')
          .prepare(`SELECT sent_at, last_error FROM outbox WHERE subscriber = 'inventory' AND type = 'OrderPlaced' AND envelope LIKE ?1`)
          .bind(`%"subject":"orders/${id}"%`)
          .first<{ sent_at: string | null; last_error: string | null }>(),
      (r) => r?.last_error !== null && r?.last_error !== undefined,
    )
    expect(row).toMatchObject({ sent_at: null })
    expect(row?.last_error).toMatch(/injected fault sending to switchyard-inventory-events/)
    expect((await getOrder(id)).status).toBe('pending')

    await sweep('orders')
    expect((await settled(id)).status).toBe('paid')
  })
})

describe('events: dead letters', () => {
  it('a malformed message and an unknown type are dead-lettered at once with their reason (one try each)', async () => {
    const unknown = { ...orderPlaced(900_002, 'SKU-RED-MUG', 1), type: 'OrderTeleported' }
    const badData = { ...orderPlaced(900_003, 'SKU-RED-MUG', 1), data: { order_id: 'seven' } }
    await queue('inventory').sendBatch([
      { body: 'not an event', contentType: 'json' },
      { body: unknown, contentType: 'json' },
      { body: badData, contentType: 'json' },
    ])
    const letters = await until(() => deadLetters('inventory'), (d) => d.some((l) => l.event_id === badData.id))
    const reasonOf = (match: (l: (typeof letters)[number]) => boolean) => letters.find(match)!
    expect(reasonOf((l) => l.event_id === unknown.id)).toMatchObject({ type: 'OrderTeleported', attempts: 1, reason: 'unknown event type for inventory: OrderTeleported' })
    expect(reasonOf((l) => l.event_id === badData.id).reason).toMatch(/^malformed OrderPlaced data: order_id/)
    expect(reasonOf((l) => l.event_id === null && /malformed envelope/.test(l.reason)).attempts).toBe(1)
    expect(await reservationsOf(900_002)).toEqual([])
  })

  it('a handler that keeps failing: retried, then dead-lettered; after the fix an admin replays it and it takes effect', async () => {
    // Inventory cannot handle OrderCancelled: the release of a declined order never happens.
    await setFault('inventory', { mode: 'status', paths: '/__events/OrderCancelled' })
    const before = await stockOf('SKU-GREEN-TEE')
    const res = await placeOrder('alan', { user_id: 3, currency: 'EUR', items: [{ sku: 'SKU-GREEN-TEE', quantity: 1 }] })
    const { id } = (await res.json()) as { id: number }
    expect((await settled(id)).status).toBe('cancelled')
    const letter = await until(
      async () => (await deadLetters('inventory')).find((l) => l.type === 'OrderCancelled' && l.replayed_at === null),
      (l) => l !== undefined,
    )
    // Four tries (max_retries 3), each failure recorded; the stock is still held.
    expect(letter).toMatchObject({ attempts: 4 })
    expect(letter!.reason).toBe('retries exhausted: Error: injected fault handling OrderCancelled')
    expect((await reservationsOf(id))[0]!.status).toBe('held')

    // Only admins see or replay dead letters.
    await expectProblem(await gateway('/api/v2/inventory/events/dead-letters', { headers: await bearer('ada') }), 403)
    const asAda = await gateway(`/api/v2/inventory/events/dead-letters/${letter!.id}/replay`, { method: 'POST', headers: await bearer('ada') })
    await expectProblem(asAda, 403)

    await resetOrigin('inventory')
    const replay = await gateway(`/api/v2/inventory/events/dead-letters/${letter!.id}/replay`, { method: 'POST', headers: await bearer('grace') })
    expect(replay.status).toBe(202)
    await until(() => reservationsOf(id), (r) => r[0]?.status === 'released')
    expect(await stockOf('SKU-GREEN-TEE')).toEqual(before)
    // A dead letter is replayed once.
    const again = await gateway(`/api/v2/inventory/events/dead-letters/${letter!.id}/replay`, { method: 'POST', headers: await bearer('grace') })
    await expectProblem(again, 409)
  })
})

describe('keyed POSTs at the origins (Idempotency-Key)', () => {
  const orders = (env as unknown as Record<string, Fetcher>).ORDERS!
  const payments = (env as unknown as Record<string, Fetcher>).PAYMENTS!
  const asAda = { 'x-switchyard-subject': '1', 'x-switchyard-roles': 'customer', 'content-type': 'application/json' }

  it('the same keyed order POST through the gateway, twice: one order, the same answer', async () => {
    const body = { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-BLUE-CAP', quantity: 1 }] }
    const key = { 'idempotency-key': `"order-${crypto.randomUUID()}"` }
    const first = await placeOrder('ada', body, key)
    const second = await placeOrder('ada', body, key)
    const [a, b] = [(await first.json()) as { id: number }, (await second.json()) as { id: number }]
    expect(b.id).toBe(a.id)
    const rows = await db('orders').prepare('SELECT count(*) AS n FROM idempotency_keys WHERE resource_id = ?1').bind(a.id).first<{ n: number }>()
    expect(rows?.n).toBe(1)
  })

  it('parallel keyed POSTs at the orders origin make one order, and stock is held once', async () => {
    const key = `parallel-${crypto.randomUUID()}`
    const before = await stockOf('SKU-RED-MUG')
    const send = () =>
      orders.fetch('http://orders/orders', {
        method: 'POST',
        headers: { ...asAda, 'idempotency-key': key, prefer: 'respond-async' },
        body: JSON.stringify({ user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
      })
    const answers = await Promise.all(Array.from({ length: 8 }, send))
    const ids = await Promise.all(answers.map(async (r) => ((await r.json()) as { id: number }).id))
    expect(new Set(ids).size).toBe(1)
    expect((await settled(ids[0]!)).status).toBe('paid')
    expect((await stockOf('SKU-RED-MUG')).reserved).toBe(before.reserved + 1)
  })

  it('a keyed charge and a keyed refund, each sent twice, are made once', async () => {
    const charge = { order_id: 3, user_id: 1, amount_cents: 700, currency: 'EUR', method_id: 1 }
    const key = `charge-${crypto.randomUUID()}`
    const post = (path: string, body: unknown, k: string) =>
      payments.fetch(`http://payments${path}`, { method: 'POST', headers: { ...asAda, 'idempotency-key': k }, body: JSON.stringify(body) })
    const [c1, c2] = [await post('/payments/charges', charge, key), await post('/payments/charges', charge, key)]
    expect([c1.status, c2.status]).toEqual([201, 201])
    const [first, second] = [(await c1.json()) as { id: number }, (await c2.json()) as { id: number }]
    expect(second.id).toBe(first.id)
    const refundKey = `refund-${crypto.randomUUID()}`
    const refund = `/payments/charges/${first.id}/refunds`
    const [r1, r2] = [await post(refund, { amount_cents: 200 }, refundKey), await post(refund, { amount_cents: 200 }, refundKey)]
    expect([r1.status, r2.status]).toEqual([201, 201])
    expect(((await r2.json()) as { id: number }).id).toBe(((await r1.json()) as { id: number }).id)
    const after = await payments.fetch(`http://payments/payments/charges/${first.id}`, { headers: asAda })
    expect(await after.json()).toMatchObject({ refunded_cents: 200, status: 'partially_refunded' })
  })

  it('a malformed Idempotency-Key is a 400 problem', async () => {
    const res = await orders.fetch('http://orders/orders', {
      method: 'POST',
      headers: { ...asAda, 'idempotency-key': '"' },
      body: JSON.stringify({ user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
    })
    await expectProblem(res, 400)
  })
})
