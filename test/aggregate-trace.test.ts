import { afterEach, describe, expect, it } from 'vitest'
import { expectProblem, resetOrigin, setFault, SERVICES } from './helpers'
import { testGateway } from './support/gateway'
import { newTraceparent, receiverEndpoint, waitForSpans, type ReceivedSpan } from './tracing-helpers'

// A gateway exporting its spans to the local OTLP receiver (test/setup/otlp.ts).
const gw = testGateway({ tracing: { otlp: { endpoint: receiverEndpoint() } } })
const PARTS = ['orders', 'payments', 'users']
const GATEWAY = 'switchyard-gateway'

const gatewayClients = (spans: ReceivedSpan[]) => spans.filter((s) => s.service === GATEWAY && s.kind === 'CLIENT')
const start = (s: ReceivedSpan) => BigInt(s.startNs)
const end = (s: ReceivedSpan) => BigInt(s.endNs)
const part = (spans: ReceivedSpan[], service: string) => spans.find((s) => s.attributes['server.address'] === service)!

afterEach(async () => {
  await Promise.all(SERVICES.map(resetOrigin))
})

describe('the order parts run in (from their spans, not from a clock bound)', () => {
  it('starts all parts of a stage together: every part started before any of them ended', async () => {
    for (const service of ['users', 'orders', 'payments'] as const) {
      await setFault(service, { mode: 'delay', delayMs: 200, paths: `/${service}` })
    }
    const incoming = newTraceparent('01')
    const res = await gw.fetch('/api/v2/me/dashboard', { as: 'ada', headers: { traceparent: incoming.header } })
    expect(res.headers.get('switchyard-complete')).toBe('true')
    // (A first request of the file may also fetch the JWKS from auth: not a part.)
    const parts = (spans: ReceivedSpan[]) => gatewayClients(spans).filter((s) => PARTS.includes(String(s.attributes['server.address'])))
    const clients = parts(await waitForSpans(incoming.traceId, (s) => parts(s).length >= 3))
    expect(clients).toHaveLength(3)
    const lastStart = clients.map(start).reduce((a, b) => (a > b ? a : b))
    const firstEnd = clients.map(end).reduce((a, b) => (a < b ? a : b))
    expect(lastStart < firstEnd).toBe(true)
  })

  it('stage two starts only after stage one has answered', async () => {
    for (const service of ['orders', 'payments', 'inventory'] as const) {
      await setFault(service, { mode: 'delay', delayMs: 200, paths: `/${service}` })
    }
    const incoming = newTraceparent('01')
    const res = await gw.fetch('/api/v2/orders/3/details', { as: 'ada', headers: { traceparent: incoming.header } })
    expect(res.status).toBe(200)
    const clients = gatewayClients(await waitForSpans(incoming.traceId, (s) => gatewayClients(s).length >= 3))
    const [order, payment, stock] = [part(clients, 'orders'), part(clients, 'payments'), part(clients, 'inventory')]
    // Stage one's two parts overlap; stage two starts after both have ended.
    expect(start(order) < end(payment) && start(payment) < end(order)).toBe(true)
    expect(start(stock) >= end(order) && start(stock) >= end(payment)).toBe(true)
  })
})

describe('a composite in the trace', () => {
  it('one client span per part, children of the request’s server span, each the parent of its origin’s span', async () => {
    await (await gw.fetch('/api/v2/me/dashboard', { as: 'ada' })).text() // keys cached: no JWKS span below
    const incoming = newTraceparent('01')
    const res = await gw.fetch('/api/v2/me/dashboard', { as: 'ada', headers: { traceparent: incoming.header } })
    expect(res.headers.get('switchyard-complete')).toBe('true')
    // gateway server span + 3 part client spans + 3 origin server spans
    const spans = await waitForSpans(incoming.traceId, (s) => s.length >= 7)
    const server = spans.find((s) => s.service === GATEWAY && s.kind === 'SERVER')!
    expect(server.name).toBe('GET /api/v2/me/dashboard')
    const clients = gatewayClients(spans)
    expect(clients.map((s) => s.attributes['server.address']).sort()).toEqual(PARTS)
    expect(clients.every((s) => s.parentSpanId === server.spanId)).toBe(true)
    for (const client of clients) {
      const origin = spans.filter((s) => s.service === `switchyard-${client.attributes['server.address']}` && s.kind === 'SERVER')
      expect(origin.map((s) => s.parentSpanId)).toEqual([client.spanId])
    }
  })

  it('a required part failing in stage one: its span shows the 404, and the stage-two part, never run, has none', async () => {
    const incoming = newTraceparent('01')
    await expectProblem(
      await gw.fetch('/api/v2/orders/424242/details', { as: 'ada', headers: { traceparent: incoming.header } }),
      404,
    )
    const spans = await waitForSpans(incoming.traceId, (s) => gatewayClients(s).length >= 2)
    const clients = gatewayClients(spans)
    // stage one only: the stock part never ran, so it has no span
    expect(clients.map((s) => s.attributes['server.address']).sort()).toEqual(['orders', 'payments'])
    const order = clients.find((s) => s.attributes['server.address'] === 'orders')!
    expect(order.attributes['http.response.status_code']).toBe(404)
  })
})
