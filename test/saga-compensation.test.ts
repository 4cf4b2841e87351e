/**
 * The order saga when something fails: every failure ends the order `cancelled` with
 * a reason, and whatever was done is undone — held stock released, a charge refunded.
 * Through the gateway, with the origins' real queues and D1; faults are injected into
 * the origins' event handling (services/shared/faults.ts `/__events/<Type>`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { resetOrigin, setFault } from './helpers'
import { chargesOf, db, placeOrder, reservationsOf, settled, stockOf, sweep, until } from './events-support'

afterEach(async () => {
  await resetOrigin('inventory')
  await resetOrigin('orders')
  await resetOrigin('payments')
})

const failuresOf = (service: 'orders' | 'inventory' | 'payments', type: string) =>
  db(service)
    .prepare(
      `SELECT f.attempts FROM event_failures f JOIN handled_events h ON h.event_id = f.event_id WHERE h.type = ?1 ORDER BY f.updated_at DESC`,
    )
    .bind(type)
    .all<{ attempts: number }>()
    .then((r) => r.results)

describe('order saga: compensation', () => {
  it('stock refused: cancelled with the SKU, nothing held of any item, nothing charged', async () => {
    const [mug, pin] = [await stockOf('SKU-RED-MUG'), await stockOf('SKU-LIMITED-PIN')]
    const res = await placeOrder('ada', {
      user_id: 1,
      currency: 'EUR',
      items: [{ sku: 'SKU-RED-MUG', quantity: 1 }, { sku: 'SKU-LIMITED-PIN', quantity: pin.on_hand - pin.reserved + 1 }],
    })
    expect(res.status).toBe(202)
    const { id } = (await res.json()) as { id: number }
    const order = await settled(id)
    expect(order).toMatchObject({ status: 'cancelled', cancellation_reason: 'insufficient-stock: SKU-LIMITED-PIN' })
    expect(await reservationsOf(id)).toEqual([])
    expect(await stockOf('SKU-RED-MUG')).toEqual(mug)
    expect(await stockOf('SKU-LIMITED-PIN')).toEqual(pin)
    // Payments heard of the order (OrderPlaced) and of its end (OrderCancelled): it never charges it.
    const intent = await until(
      () => db('payments').prepare('SELECT status FROM payment_intents WHERE order_id = ?1').bind(id).first<{ status: string }>(),
      (row) => row?.status === 'cancelled',
    )
    expect(intent?.status).toBe('cancelled')
    expect(await chargesOf(id)).toEqual([])
  })

  it("payment declined (Alan's only card expired): cancelled, the held stock released, nothing charged", async () => {
    const before = await stockOf('SKU-BLUE-CAP')
    const res = await placeOrder('alan', { user_id: 3, currency: 'EUR', items: [{ sku: 'SKU-BLUE-CAP', quantity: 2 }] })
    const { id } = (await res.json()) as { id: number }
    expect(await settled(id)).toMatchObject({ status: 'cancelled', cancellation_reason: 'payment-failed: card-expired' })
    // The stock was held (StockReserved came first), then released by the compensation.
    const holds = await until(() => reservationsOf(id), (r) => r.length === 1 && r[0]!.status === 'released')
    expect(holds[0]!.sku).toBe('SKU-BLUE-CAP')
    expect(await stockOf('SKU-BLUE-CAP')).toEqual(before)
    expect(await chargesOf(id)).toEqual([])
  })

  it('without Prefer a cancelled order answers 409 problem+json with its reason and Location', async () => {
    const res = await placeOrder('alan', { user_id: 3, currency: 'EUR', items: [{ sku: 'SKU-GREEN-TEE', quantity: 1 }] }, {})
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const problem = (await res.json()) as { type: string; cancellation_reason: string; order_id: number }
    expect(problem.type).toMatch(/#order-cancelled$/)
    expect(problem.cancellation_reason).toBe('payment-failed: card-expired')
    expect(res.headers.get('location')).toBe(`/api/v2/orders/${problem.order_id}`)
    // The compensation still runs to its end (and is not left to land in the next test).
    await until(() => reservationsOf(problem.order_id), (r) => r.length === 1 && r[0]!.status === 'released')
  })

  it('a release that fails is retried until it succeeds: no stock stays held', async () => {
    const before = await stockOf('SKU-YELLOW-SOCKS')
    // Inventory fails the first two tries of every OrderCancelled it handles.
    await setFault('inventory', { mode: 'status', paths: '/__events/OrderCancelled', times: 2 })
    const res = await placeOrder('alan', { user_id: 3, currency: 'EUR', items: [{ sku: 'SKU-YELLOW-SOCKS', quantity: 3 }] })
    const { id } = (await res.json()) as { id: number }
    expect((await settled(id)).status).toBe('cancelled')
    await until(() => reservationsOf(id), (r) => r.length === 1 && r[0]!.status === 'released')
    expect(await stockOf('SKU-YELLOW-SOCKS')).toEqual(before)
    // Handled on the third delivery, after two recorded failures.
    expect((await failuresOf('inventory', 'OrderCancelled'))[0]?.attempts).toBe(2)
  })

  it('held stock expires: the sweep releases it, the order is cancelled and its charge refunded', async () => {
    const before = await stockOf('SKU-BLACK-HOODIE')
    // Orders cannot take PaymentCompleted in yet: the order stays pending while stock is held and paid.
    await setFault('orders', { mode: 'status', paths: '/__events/PaymentCompleted' })
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-BLACK-HOODIE', quantity: 1 }] })
    const { id } = (await res.json()) as { id: number }
    const [charge] = await until(() => chargesOf(id), (c) => c.length === 1)
    expect(charge).toMatchObject({ amount_cents: 4500, refunded: 0 })

    // The hold's time is up (set in the data, not by waiting), and the sweep runs.
    await db('inventory').prepare(`UPDATE reservations SET expires_at = '2000-01-01T00:00:00.000Z' WHERE order_id = ?1`).bind(id).run()
    await sweep('inventory')
    expect(await settled(id)).toMatchObject({ status: 'cancelled', cancellation_reason: 'reservation-expired' })
    expect((await reservationsOf(id))[0]!.status).toBe('released')
    expect(await stockOf('SKU-BLACK-HOODIE')).toEqual(before)
    const [refunded] = await until(() => chargesOf(id), (c) => c[0]?.refunded === 4500)
    expect(refunded).toMatchObject({ status: 'refunded', refunded: 4500 })
  })
})
