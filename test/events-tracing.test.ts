/**
 * One trace across the asynchronous hops: the request that places an order, the events
 * it causes and every service's work on them, exported by the origins to the local
 * OTLP receiver. Spans follow OpenTelemetry's messaging conventions: `create <type>`
 * (PRODUCER) where an event is written, `send <queue>` (CLIENT) per relay batch, and
 * `process <type>` (CONSUMER), a child of the create span, in each subscriber.
 */
import { describe, expect, it } from 'vitest'
import { placeOrder, settled, until } from './events-support'
import { newTraceparent, receivedSpans, type ReceivedSpan } from './tracing-helpers'

const one = (spans: ReceivedSpan[], service: string, name: string) => {
  const found = spans.filter((s) => s.service === `switchyard-${service}` && s.name === name)
  if (found.length !== 1) throw new Error(`expected one ${name} span at ${service}, got ${found.length}`)
  return found[0]!
}

describe('tracing across the order saga', () => {
  it('the consumers continue the producer’s trace: request → OrderPlaced → StockReserved → PaymentCompleted', async () => {
    const incoming = newTraceparent('01')
    const res = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }, {
      prefer: 'respond-async',
      traceparent: incoming.header,
    })
    const { id } = (await res.json()) as { id: number }
    expect((await settled(id)).status).toBe('paid')
    const has = (spans: ReceivedSpan[], service: string, name: string) => spans.some((s) => s.service === `switchyard-${service}` && s.name === name)
    const spans = await until(
      () => receivedSpans(incoming.traceId),
      (s) => has(s, 'orders', 'process PaymentCompleted') && has(s, 'inventory', 'process OrderConfirmed') && has(s, 'payments', 'process OrderPlaced'),
    )

    const server = one(spans, 'orders', 'POST /orders')
    const placed = one(spans, 'orders', 'create OrderPlaced')
    expect(placed).toMatchObject({ kind: 'PRODUCER', parentSpanId: server.spanId })
    expect(placed.attributes).toMatchObject({
      'messaging.system': 'cloudflare_queues',
      'messaging.operation.type': 'create',
      'messaging.destination.name': 'switchyard-inventory-events,switchyard-payments-events',
    })
    // Fan-out: both subscribers process the same event as children of its create span.
    for (const service of ['inventory', 'payments']) {
      const processed = one(spans, service, 'process OrderPlaced')
      expect(processed).toMatchObject({ kind: 'CONSUMER', parentSpanId: placed.spanId })
      expect(processed.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'messaging.destination.name': `switchyard-${service}-events`,
        'messaging.message.id': placed.attributes['messaging.message.id'],
      })
    }
    // The chain goes on: each next event is created inside the work on the previous one.
    const reserved = one(spans, 'inventory', 'create StockReserved')
    expect(reserved.parentSpanId).toBe(one(spans, 'inventory', 'process OrderPlaced').spanId)
    expect(one(spans, 'payments', 'process StockReserved').parentSpanId).toBe(reserved.spanId)
    const completed = one(spans, 'payments', 'create PaymentCompleted')
    expect(one(spans, 'orders', 'process PaymentCompleted').parentSpanId).toBe(completed.spanId)
    // Relay batches are client spans of their own.
    const sends = spans.filter((s) => s.name.startsWith('send switchyard-') && s.kind === 'CLIENT')
    expect(sends.length).toBeGreaterThanOrEqual(2)
  })
})
