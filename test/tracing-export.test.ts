import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { traceContext } from '../middleware/trace-context'
import { workersConfig } from '../src/config/deployment'
import { tracingConfigSchema } from '../wire/tracing/config'
import { recordDecision } from '../src/tracing/decisions'
import { createTelemetry } from '../wire/tracing/telemetry'
import type { GatewayEnv } from '../src/types'
import { customGateway, gateway, originStats, resetOrigin, setFault } from './helpers'
import { bearer } from './tokens'
import {
  newTraceparent,
  parseTp,
  receivedSpans,
  receiverEndpoint,
  receiverUrl,
  waitForSpans,
  type ReceivedSpan,
} from './tracing-helpers'

const GATEWAY = 'switchyard-gateway'
const INVENTORY = 'switchyard-inventory'
/** A public route (no token needed), answered by the inventory origin. */
const PUBLIC = '/api/v2/inventory/SKU-RED-MUG'

const exportingGateway = (overrides: Record<string, unknown> = {}, tracing: Record<string, unknown> = {}) =>
  customGateway({ ...overrides, tracing: { otlp: { endpoint: receiverEndpoint() }, ...tracing } })

/** Retries quick and plentiful, so a test decides how many attempts there are. */
const quickRetries = (maxAttempts: number) => ({
  resilience: { defaults: { retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 2, budget: { minRetries: 10 } } } },
})

const only = (spans: ReceivedSpan[], match: Partial<ReceivedSpan>) => {
  const found = spans.filter((s) => Object.entries(match).every(([k, v]) => s[k as keyof ReceivedSpan] === v))
  if (found.length !== 1) throw new Error(`expected one span like ${JSON.stringify(match)}, got ${found.length}`)
  return found[0]!
}
const gatewaySpans = (spans: ReceivedSpan[], kind: ReceivedSpan['kind']) =>
  spans.filter((s) => s.service === GATEWAY && s.kind === kind)

describe('OTLP/HTTP export to a local receiver', () => {
  it('exports the whole tree with parent/child links and HTTP attributes: gateway → orders → users + inventory', async () => {
    const gw = exportingGateway()
    const token = await bearer('grace')
    // Warm the key cache first, so the traced request makes no JWKS fetch of its own.
    expect((await gw.fetch('/api/v2/orders?user=2', { headers: token })).status).toBe(200)
    const incoming = newTraceparent('01')
    const skus = ['SKU-RED-MUG', 'SKU-BLUE-CAP', 'SKU-BLACK-HOODIE']
    const res = await gw.fetch('/api/v2/orders', {
      method: 'POST',
      headers: { traceparent: incoming.header, 'content-type': 'application/json', 'user-agent': 'trace-test/1', ...token },
      body: JSON.stringify({ user_id: 2, currency: 'EUR', items: skus.map((sku) => ({ sku, quantity: 1 })) }),
    })
    expect(res.status).toBe(201)
    // The request's HTTP spans; the order saga's messaging spans join the same trace (test/events-tracing.test.ts).
    const httpSpans = (all: ReceivedSpan[]) => all.filter((s) => 'http.request.method' in s.attributes)
    const spans = httpSpans(await waitForSpans(incoming.traceId, (s) => httpSpans(s).length >= 7))
    expect(spans).toHaveLength(7)

    const gwServer = only(spans, { service: GATEWAY, kind: 'SERVER' })
    expect(gwServer).toMatchObject({ parentSpanId: incoming.parentId, name: 'POST /api/v2/orders', status: 'UNSET' })
    expect(gwServer.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v2/orders',
      'url.path': '/api/v2/orders',
      'url.scheme': 'http',
      'server.address': 'gateway.test',
      'http.response.status_code': 201,
      'user_agent.original': 'trace-test/1',
    })
    expect(gwServer.attributes['error.type']).toBeUndefined()
    expect(parseTp(res.headers.get('traceresponse')).parentId).toBe(gwServer.spanId)

    const gwClient = only(spans, { service: GATEWAY, kind: 'CLIENT' })
    expect(gwClient).toMatchObject({ parentSpanId: gwServer.spanId, name: 'POST' })
    expect(gwClient.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': 'orders',
      'url.path': '/orders',
      'http.response.status_code': 201,
    })

    const ordersServer = only(spans, { service: 'switchyard-orders', kind: 'SERVER' })
    expect(ordersServer).toMatchObject({ parentSpanId: gwClient.spanId, name: 'POST /orders' })
    expect(ordersServer.attributes).toMatchObject({ 'http.route': '/orders', 'http.response.status_code': 201 })

    // The origin's own two calls (does the user exist, the catalogue prices): two client spans, two servers.
    const ordersClients = spans.filter((s) => s.service === 'switchyard-orders' && s.kind === 'CLIENT')
    expect(ordersClients).toHaveLength(2)
    expect(ordersClients.every((s) => s.parentSpanId === ordersServer.spanId)).toBe(true)
    expect(ordersClients.map((s) => s.attributes['url.path']).sort()).toEqual(['/inventory', '/users/2'])
    const inventory = only(spans, { service: INVENTORY })
    expect(inventory).toMatchObject({ kind: 'SERVER', name: 'GET /inventory' })
    const users = only(spans, { service: 'switchyard-users' })
    expect(users).toMatchObject({ kind: 'SERVER', name: 'GET /users/:id' })
    expect([inventory.parentSpanId, users.parentSpanId].sort()).toEqual(ordersClients.map((s) => s.spanId).sort())
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(7)
  })

  it('exports the JWKS fetch as a client span of the request that needed it', async () => {
    const incoming = newTraceparent('01')
    const res = await exportingGateway().fetch('/api/v2/users/1', {
      headers: { traceparent: incoming.header, ...(await bearer('grace')) },
    })
    expect(res.status).toBe(200)
    const spans = await waitForSpans(incoming.traceId, (s) => s.some((x) => x.service === 'switchyard-auth'))
    const server = only(spans, { service: GATEWAY, kind: 'SERVER' })
    const jwks = gatewaySpans(spans, 'CLIENT').find((s) => s.attributes['server.address'] === 'auth')!
    expect(jwks).toMatchObject({ parentSpanId: server.spanId, name: 'GET' })
    expect(String(jwks.attributes['url.path'])).toMatch(/jwks\.json$/)
    expect(only(spans, { service: 'switchyard-auth' }).parentSpanId).toBe(jwks.spanId)
  })

  it('sends the gateway spans of a request in one POST, with the configured headers', async () => {
    const incoming = newTraceparent('01')
    const gw = exportingGateway({}, { otlp: { endpoint: receiverEndpoint(), headers: { 'x-api-key': 'k-123' } } })
    expect((await gw.fetch(PUBLIC, { headers: { traceparent: incoming.header } })).status).toBe(200)
    await waitForSpans(incoming.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 2)
    const exports = (await (await fetch(`${receiverUrl()}/exports`)).json()) as {
      headers: Record<string, string>
      spans: number
      traceIds: string[]
      services: string[]
    }[]
    const ours = exports.filter((e) => e.traceIds.includes(incoming.traceId) && e.services.includes(GATEWAY))
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatchObject({ spans: 2, headers: { 'x-api-key': 'k-123', 'content-type': 'application/json' } })
  })

  it('marks errors by the semantic conventions: 4xx on client spans only, 5xx on both', async () => {
    const gw = exportingGateway(quickRetries(2))
    const notFound = newTraceparent()
    expect((await gw.fetch('/api/v2/inventory/SKU-NOPE', { headers: { traceparent: notFound.header } })).status).toBe(404)
    await setFault('inventory', { mode: 'status', status: 503 })
    const failing = newTraceparent()
    expect((await gw.fetch(PUBLIC, { headers: { traceparent: failing.header } })).status).toBe(503)
    await resetOrigin('inventory')
    const down = newTraceparent()
    const unreachable = exportingGateway({
      ...quickRetries(2),
      services: { ...workersConfig().services, inventory: { urls: ['http://127.0.0.1:9'] } },
    })
    expect((await unreachable.fetch(PUBLIC, { headers: { traceparent: down.header } })).status).toBe(502)

    // One client span per attempt: one for the 404 (not retried), two for the others.
    const [nf, fail, dn] = await Promise.all([
      waitForSpans(notFound.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 2),
      waitForSpans(failing.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 3),
      waitForSpans(down.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 3),
    ])

    expect(only(nf, { service: GATEWAY, kind: 'SERVER' })).toMatchObject({ status: 'UNSET', attributes: { 'http.response.status_code': 404 } })
    expect(only(nf, { service: GATEWAY, kind: 'SERVER' }).attributes['error.type']).toBeUndefined()
    expect(only(nf, { service: GATEWAY, kind: 'CLIENT' })).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '404' } })

    expect(only(fail, { service: GATEWAY, kind: 'SERVER' })).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '503' } })
    for (const attempt of gatewaySpans(fail, 'CLIENT')) {
      expect(attempt).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '503', 'http.response.status_code': 503 } })
    }

    // No answer at all: the attempts name the exception, the server span the 502 it became.
    expect(only(dn, { service: GATEWAY, kind: 'SERVER' })).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '502' } })
    for (const attempt of gatewaySpans(dn, 'CLIENT')) {
      expect(attempt.status).toBe('ERROR')
      expect(attempt.attributes['error.type']).toMatch(/Error$/)
      expect(attempt.attributes['http.response.status_code']).toBeUndefined()
      expect(attempt.attributes).toMatchObject({ 'server.address': 'inventory', 'url.path': '/inventory/SKU-RED-MUG' })
    }
  })

  it('makes each retry attempt its own client span with its own parent id', async () => {
    await resetOrigin('inventory')
    await setFault('inventory', { mode: 'status', status: 503, times: 2 })
    const incoming = newTraceparent()
    const res = await exportingGateway(quickRetries(3)).fetch(PUBLIC, { headers: { traceparent: incoming.header } })
    expect(res.status).toBe(200)
    const spans = await waitForSpans(incoming.traceId, (s) => s.length >= 7)
    const server = only(spans, { service: GATEWAY, kind: 'SERVER' })
    const attempts = gatewaySpans(spans, 'CLIENT')
    expect(attempts).toHaveLength(3)
    expect(attempts.every((s) => s.parentSpanId === server.spanId)).toBe(true)
    const resend = (s: ReceivedSpan) => Number(s.attributes['http.request.resend_count'] ?? 0)
    const ordered = attempts.sort((a, b) => resend(a) - resend(b))
    expect(ordered.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2])
    expect(ordered.map((s) => s.attributes['http.response.status_code'])).toEqual([503, 503, 200])
    // The origin saw three requests, each a child of its own attempt.
    const atOrigin = spans.filter((s) => s.service === INVENTORY)
    expect(atOrigin.map((s) => s.parentSpanId).sort()).toEqual(attempts.map((s) => s.spanId).sort())
  })

  it('records breaker decisions on the request span: the break, then the refusal', async () => {
    await resetOrigin('inventory')
    await setFault('inventory', { mode: 'status', status: 503 })
    const gw = exportingGateway({
      resilience: { defaults: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, openMs: 60_000 } } },
    })
    const breaking = newTraceparent()
    const refused = newTraceparent()
    expect((await gw.fetch(PUBLIC, { headers: { traceparent: breaking.header } })).status).toBe(503)
    expect((await gw.fetch(PUBLIC, { headers: { traceparent: refused.header } })).status).toBe(503)
    await resetOrigin('inventory')

    const first = await waitForSpans(breaking.traceId, (s) => gatewaySpans(s, 'SERVER').length === 1)
    const second = await waitForSpans(refused.traceId, (s) => gatewaySpans(s, 'SERVER').length === 1)
    const breakEvent = only(first, { service: GATEWAY, kind: 'SERVER' }).events.find((e) => e.name === 'switchyard.breaker.decision')
    expect(breakEvent?.attributes).toEqual({
      'switchyard.breaker.service': 'inventory',
      'switchyard.breaker.from': 'closed',
      'switchyard.breaker.to': 'open',
    })
    const refusal = only(second, { service: GATEWAY, kind: 'SERVER' })
    expect(refusal.events.map((e) => e.name)).toEqual(['switchyard.breaker.decision'])
    expect(refusal.attributes).toMatchObject({
      'switchyard.breaker.state': 'open',
      'switchyard.breaker.allowed': false,
      'error.type': '503',
    })
    // The open breaker let no request out.
    expect(gatewaySpans(second, 'CLIENT')).toEqual([])
  })

  it('records a limiter decision as an event and attributes of the request’s server span', async () => {
    const telemetry = createTelemetry(tracingConfigSchema.parse({ otlp: { endpoint: receiverEndpoint() } }))
    const app = new Hono<GatewayEnv>()
    app.use(traceContext({ telemetry }))
    app.get('/t', (c) => {
      recordDecision(c.get('trace'), 'ratelimit', { policy: 'burst', allowed: true, remaining: 41 })
      return c.text('ok')
    })
    const incoming = newTraceparent()
    await app.fetch(new Request('http://gw/t', { headers: { traceparent: incoming.header } }))
    const [span] = await waitForSpans(incoming.traceId, (s) => s.length === 1)
    expect(span!.events).toEqual([
      {
        name: 'switchyard.ratelimit.decision',
        attributes: { 'switchyard.ratelimit.policy': 'burst', 'switchyard.ratelimit.allowed': true, 'switchyard.ratelimit.remaining': 41 },
      },
    ])
    expect(span!.attributes).toMatchObject({ 'switchyard.ratelimit.allowed': true, 'http.route': '/t' })
  })
})

describe('when spans are not exported', () => {
  it('exports nothing from a gateway without an endpoint, while still propagating', async () => {
    await resetOrigin('inventory')
    const incoming = newTraceparent('01')
    expect((await gateway(PUBLIC, { headers: { traceparent: incoming.header } })).status).toBe(200)
    const sent = parseTp((await originStats('inventory')).lastHeaders.traceparent)
    // The origin exports (it is configured to): its span's parent is the gateway's call…
    const spans = await waitForSpans(incoming.traceId, (s) => s.some((x) => x.service === INVENTORY))
    expect(only(spans, { service: INVENTORY }).parentSpanId).toBe(sent.parentId)
    // …which the gateway never exported, not even a moment later.
    await new Promise((r) => setTimeout(r, 300))
    expect((await receivedSpans(incoming.traceId)).filter((s) => s.service === GATEWAY)).toEqual([])
  })

  it('samples new traces by ratio and always follows the caller’s sampled flag', async () => {
    const gw = exportingGateway({}, { sampleRatio: 0 })
    await resetOrigin('inventory')
    const fresh = await gw.fetch(PUBLIC)
    const unsampled = parseTp(fresh.headers.get('traceresponse'))
    expect(unsampled.flags).toBe(0x02) // random id, not sampled
    expect(parseTp((await originStats('inventory')).lastHeaders.traceparent).flags).toBe(0x02)

    const notSampled = newTraceparent('00')
    await exportingGateway().fetch(PUBLIC, { headers: { traceparent: notSampled.header } })

    const sampled = newTraceparent('01')
    await gw.fetch(PUBLIC, { headers: { traceparent: sampled.header } })
    await waitForSpans(sampled.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 2)
    // Exports of the two unsampled requests would have been sent first: nothing came,
    // from the gateway or the origin (which follows the flag it was sent).
    await new Promise((r) => setTimeout(r, 200))
    expect(await receivedSpans(unsampled.traceId)).toEqual([])
    expect(await receivedSpans(notSampled.traceId)).toEqual([])
  })
})
