/**
 * The order saga end to end, through the gateway, with the origins' real queues and D1:
 * 202 + Location at once with `Prefer: respond-async`, then the order polled to `paid`
 * (confirmed); without the preference the request waits for the outcome.
 */
import { describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { chargesOf, getOrder, placeOrder, reservationsOf, settled, stockOf, until } from './events-support'

describe('order saga: the happy path', () => {
  it('202 pending with Location and Preference-Applied, then paid: stock held without expiry, one charge for the total', async () => {
    const before = await stockOf('SKU-GREEN-TEE')
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-GREEN-TEE', quantity: 2 }, { sku: 'SKU-RED-MUG', quantity: 1 }] })
    expect(res.status).toBe(202)
    expect(res.headers.get('preference-applied')).toBe('respond-async')
    const body = (await res.json()) as { id: number; status: string; total_cents: number }
    expect(body.status).toBe('pending')
    // Prices from the catalogue: 2 × 2000 + 1200.
    expect(body.total_cents).toBe(5200)
    expect(res.headers.get('location')).toBe(`/api/v2/orders/${body.id}`)

    const order = await settled(body.id)
    expect(order).toMatchObject({ status: 'paid', cancellation_reason: null })
    expect(await chargesOf(body.id)).toEqual([expect.objectContaining({ amount_cents: 5200, status: 'succeeded', refunded: 0 })])
    const holds = await reservationsOf(body.id)
    expect(holds.map((h) => [h.sku, h.status])).toEqual([['SKU-GREEN-TEE', 'held'], ['SKU-RED-MUG', 'held']])
    expect((await stockOf('SKU-GREEN-TEE')).reserved).toBe(before.reserved + 2)
    // OrderConfirmed reached inventory: the holds no longer expire.
    const confirmed = await until(() => reservationsOf(body.id), (r) => r.every((h) => h.expires_at === null))
    expect(confirmed).toHaveLength(2)
  })

  it('without Prefer the request waits: 201 with the paid order', async () => {
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-BLUE-CAP', quantity: 1, unit_price_cents: 1500 }] }, {})
    expect(res.status).toBe(201)
    expect(res.headers.get('preference-applied')).toBeNull()
    const body = (await res.json()) as { id: number; status: string }
    expect(body.status).toBe('paid')
    expect((await getOrder(body.id)).status).toBe('paid')
  })

  it('a client price that is not the catalogue price is a 422 problem; nothing is written', async () => {
    const before = await stockOf('SKU-RED-MUG')
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1, unit_price_cents: 1 }] })
    const problem = await expectProblem(res, 422)
    expect(problem).toMatchObject({ sku: 'SKU-RED-MUG', catalogue_price_cents: 1200, sent_price_cents: 1 })
    expect(await stockOf('SKU-RED-MUG')).toEqual(before)
  })

  it('an order for a user who does not exist is refused (422)', async () => {
    const problem = await expectProblem(await placeOrder('grace', { user_id: 999999, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }), 422)
    expect(String(problem.type)).toMatch(/unknown-user$/)
  })
})
