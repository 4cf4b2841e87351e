/**
 * Units of the events library: envelope and data validation (what is dead-lettered
 * and why), retry backoff, and the AsyncAPI documents served beside the OpenAPI ones.
 */
import { describe, expect, it } from 'vitest'
import { backoffSeconds, parseEvent } from '../services/shared/events/consumer'
import { EVENTS, subscriptionsOf } from '../services/shared/events/catalog'
import { gateway } from './helpers'

const valid = {
  specversion: '1.0',
  id: 'e-1',
  type: 'OrderCancelled',
  source: '/switchyard/orders',
  subject: 'orders/7',
  time: '2026-12-06T08:00:00.000Z',
  datacontenttype: 'application/json',
  dataversion: '1',
  data: { order_id: 7, reason: 'payment-failed: card-expired' },
}

describe('parseEvent', () => {
  it('accepts a CloudEvents envelope of a subscribed type with valid data', () => {
    expect(parseEvent(valid, 'inventory')).toMatchObject({ ok: true, event: { type: 'OrderCancelled', data: { order_id: 7 } } })
  })

  it.each([
    ['not an object', 'OrderCancelled', /^malformed envelope/],
    [{ ...valid, specversion: '0.3' }, '', /^malformed envelope: specversion/],
    [{ ...valid, time: 'yesterday' }, '', /^malformed envelope: time/],
    [{ ...valid, type: 'StockReserved' }, '', /^unknown event type for inventory: StockReserved$/],
    [{ ...valid, dataversion: '2' }, '', /^unsupported dataversion 2 of OrderCancelled$/],
    [{ ...valid, data: { order_id: -1 } }, '', /^malformed OrderCancelled data: order_id/],
  ])('refuses %j with its reason', (body, _label, reason) => {
    const parsed = parseEvent(body, 'inventory')
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason).toMatch(reason)
  })
})

describe('backoffSeconds', () => {
  it('doubles from the base per attempt, capped at 5 minutes; base 0 retries at once', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds({}, n))).toEqual([1, 2, 4, 8])
    expect(backoffSeconds({ EVENT_RETRY_BASE_SECONDS: '3' }, 2)).toBe(6)
    expect(backoffSeconds({}, 20)).toBe(300)
    expect(backoffSeconds({ EVENT_RETRY_BASE_SECONDS: '0' }, 5)).toBe(0)
    expect(backoffSeconds({ EVENT_RETRY_BASE_SECONDS: 'soon' }, 1)).toBe(1)
  })
})

describe('AsyncAPI documents', () => {
  it('each event service serves one through the gateway, next to its OpenAPI document', async () => {
    for (const service of ['orders', 'inventory', 'payments'] as const) {
      const res = await gateway(`/api/v2/${service}/asyncapi.json`)
      expect(res.status).toBe(200)
      const doc = (await res.json()) as {
        asyncapi: string
        operations: Record<string, { action: string }>
        components: { messages: Record<string, { payload: { properties: Record<string, unknown> } }> }
      }
      expect(doc.asyncapi).toBe('3.0.0')
      const received = Object.entries(doc.operations).filter(([, op]) => op.action === 'receive').map(([name]) => name)
      expect(received.sort()).toEqual(subscriptionsOf(service).map((t) => `receive${t}`).sort())
      const produced = Object.keys(EVENTS).filter((t) => EVENTS[t as keyof typeof EVENTS].producer === service)
      for (const type of produced) expect(doc.components.messages[type]?.payload.properties).toHaveProperty('traceparent')
    }
    expect((await gateway('/api/v2/users/asyncapi.json')).status).not.toBe(200)
  })
})
