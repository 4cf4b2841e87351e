import { env } from 'cloudflare:workers'
import { circuitBreaker, ConsecutiveBreaker, ConstantBackoff, handleWhenResult, retry } from 'cockatiel'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { traceContext } from '../middleware/trace-context'
import { tracingConfigSchema } from '../src/tracing/config'
import { recordDecision } from '../src/tracing/decisions'
import { createTelemetry } from '../src/tracing/telemetry'
import { withTrace } from '../src/tracing/upstream'
import type { GatewayEnv } from '../src/types'
import { bindingTransport } from '../src/upstream/transport'
import type { CallContext, Upstream } from '../src/upstream/types'
import { customGateway, gateway, originStats, resetOrigin, setFault } from './helpers'
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
const exportingGateway = (tracing: Record<string, unknown> = {}) =>
  customGateway({ tracing: { otlp: { endpoint: receiverEndpoint() }, ...tracing } })

const only = (spans: ReceivedSpan[], match: Partial<ReceivedSpan>) => {
  const found = spans.filter((s) => Object.entries(match).every(([k, v]) => s[k as keyof ReceivedSpan] === v))
  if (found.length !== 1) throw new Error(`expected one span like ${JSON.stringify(match)}, got ${found.length}`)
  return found[0]!
}

/** An app with the trace-context middleware and one handler, exporting to the receiver. */
function tracedApp(handler: (call: (upstream: Upstream) => Promise<Response>) => Promise<Response>) {
  const telemetry = createTelemetry(tracingConfigSchema.parse({ otlp: { endpoint: receiverEndpoint() } }))
  const app = new Hono<GatewayEnv>()
  app.use(traceContext({ telemetry }))
  const ctx: CallContext = { service: 'users', route: '/t', requestId: 'r', waitUntil: () => {} }
  app.get('/t', () => handler((upstream) => upstream(new Request('http://users.internal/users/1'), ctx)))
  const users = withTrace(telemetry)(bindingTransport((env as unknown as Record<string, Fetcher>).USERS!))
  return { app, users }
}

describe('OTLP/HTTP export to a local receiver', () => {
  it('exports the whole tree with parent/child links and HTTP attributes: gateway → orders → 3 × inventory', async () => {
    const incoming = newTraceparent('01')
    const skus = ['SKU-RED-MUG', 'SKU-BLUE-CAP', 'SKU-BLACK-HOODIE']
    const res = await exportingGateway().fetch('/api/v2/orders', {
      method: 'POST',
      headers: { traceparent: incoming.header, 'content-type': 'application/json', 'user-agent': 'trace-test/1' },
      body: JSON.stringify({
        user_id: 1,
        currency: 'EUR',
        items: skus.map((sku) => ({ sku, quantity: 1, unit_price_cents: 500 })),
      }),
    })
    expect(res.status).toBe(201)
    const spans = await waitForSpans(incoming.traceId, (s) => s.length >= 9)
    expect(spans).toHaveLength(9)

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

    // The origin's own three calls: three client spans, three parent ids at inventory.
    const ordersClients = spans.filter((s) => s.service === 'switchyard-orders' && s.kind === 'CLIENT')
    expect(ordersClients).toHaveLength(3)
    expect(ordersClients.every((s) => s.parentSpanId === ordersServer.spanId)).toBe(true)
    expect(ordersClients.map((s) => s.attributes['url.path']).sort()).toEqual(
      skus.map((sku) => `/inventory/${sku}/reserve`).sort(),
    )
    const inventory = spans.filter((s) => s.service === 'switchyard-inventory')
    expect(inventory.every((s) => s.kind === 'SERVER' && s.name === 'POST /inventory/:sku/reserve')).toBe(true)
    expect(inventory.map((s) => s.parentSpanId).sort()).toEqual(ordersClients.map((s) => s.spanId).sort())
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(9)
  })

  it('sends the gateway spans of a request in one POST, with the configured headers', async () => {
    const incoming = newTraceparent('01')
    const gw = exportingGateway({ otlp: { endpoint: receiverEndpoint(), headers: { 'x-api-key': 'k-123' } } })
    expect((await gw.fetch('/api/v2/users/1', { headers: { traceparent: incoming.header } })).status).toBe(200)
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
    const gw = exportingGateway()
    const notFound = newTraceparent()
    expect((await gw.fetch('/api/v2/users/999999', { headers: { traceparent: notFound.header } })).status).toBe(404)
    await setFault('users', { mode: 'status', status: 503, times: 1 })
    const failing = newTraceparent()
    expect((await gw.fetch('/api/v2/users/1', { headers: { traceparent: failing.header } })).status).toBe(503)
    await resetOrigin('users')
    const down = newTraceparent()
    const unreachable = customGateway({
      services: { users: { urls: ['http://127.0.0.1:9'] } },
      tracing: { otlp: { endpoint: receiverEndpoint() } },
    })
    expect((await unreachable.fetch('/api/v2/users/1', { headers: { traceparent: down.header } })).status).toBe(502)

    const gwSpans = (s: ReceivedSpan[]) => s.filter((x) => x.service === GATEWAY)
    const [nf, fail, dn] = await Promise.all(
      [notFound, failing, down].map((t) => waitForSpans(t.traceId, (s) => gwSpans(s).length === 2)),
    )
    const pick = (s: ReceivedSpan[], kind: string) => only(gwSpans(s), { kind } as Partial<ReceivedSpan>)

    expect(pick(nf!, 'SERVER').attributes['error.type']).toBeUndefined()
    expect(pick(nf!, 'SERVER').status).toBe('UNSET')
    expect(pick(nf!, 'CLIENT')).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '404' } })

    expect(pick(fail!, 'SERVER')).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '503' } })
    expect(pick(fail!, 'CLIENT')).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '503' } })

    // No answer at all: the client span names the exception, the server span the 502 it became.
    expect(pick(dn!, 'SERVER')).toMatchObject({ status: 'ERROR', attributes: { 'error.type': '502' } })
    const call = pick(dn!, 'CLIENT')
    expect(call.status).toBe('ERROR')
    expect(call.attributes['error.type']).toMatch(/Error$/)
    expect(call.attributes['http.response.status_code']).toBeUndefined()
    expect(call.attributes).toMatchObject({ 'server.address': 'users', 'url.path': '/users/1' })
  })

  it('makes each retry attempt its own client span when withTrace sits inside the retry layer', async () => {
    await resetOrigin('users')
    await setFault('users', { mode: 'status', status: 503, times: 2 })
    const policy = retry(
      handleWhenResult((r) => r instanceof Response && r.status >= 500),
      { maxAttempts: 2, backoff: new ConstantBackoff(1) },
    )
    const { app, users } = tracedApp(async (call) => {
      const res = await call((req, ctx) => policy.execute(() => users(req.clone(), ctx)))
      return new Response(null, { status: res.status })
    })
    const incoming = newTraceparent()
    expect((await app.fetch(new Request('http://gw/t', { headers: { traceparent: incoming.header } }))).status).toBe(200)
    const spans = await waitForSpans(incoming.traceId, (s) => s.length >= 7)
    const server = only(spans, { service: GATEWAY, kind: 'SERVER' })
    const attempts = spans.filter((s) => s.service === GATEWAY && s.kind === 'CLIENT')
    expect(attempts).toHaveLength(3)
    expect(attempts.every((s) => s.parentSpanId === server.spanId)).toBe(true)
    const byResend = attempts.sort(
      (a, b) => Number(a.attributes['http.request.resend_count'] ?? 0) - Number(b.attributes['http.request.resend_count'] ?? 0),
    )
    expect(byResend.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2])
    expect(byResend.map((s) => s.attributes['http.response.status_code'])).toEqual([503, 503, 200])
    // The origin saw three requests, each a child of its own attempt.
    const atUsers = spans.filter((s) => s.service === 'switchyard-users')
    expect(atUsers.map((s) => s.parentSpanId).sort()).toEqual(attempts.map((s) => s.spanId).sort())
  })

  it('records limiter and breaker decisions as span events and attributes', async () => {
    await resetOrigin('users')
    await setFault('users', { mode: 'status', status: 503, times: 1 })
    const breaker = circuitBreaker(handleWhenResult((r) => r instanceof Response && r.status >= 500), {
      halfOpenAfter: 60_000,
      breaker: new ConsecutiveBreaker(1),
    })
    breaker.onBreak(() => recordDecision('breaker', { service: 'users', state: 'open' }))
    const { app, users } = tracedApp(async (call) => {
      recordDecision('ratelimit', { policy: 'burst', allowed: true, remaining: 41 })
      const first = await call((req, ctx) => breaker.execute(() => users(req, ctx)))
      const second = await call((req, ctx) => breaker.execute(() => users(req, ctx))).catch(() => {
        recordDecision('breaker', { service: 'users', state: 'open', allowed: false })
        return new Response(null, { status: 503 })
      })
      return new Response(`${first.status} ${second.status}`)
    })
    const incoming = newTraceparent()
    const res = await app.fetch(new Request('http://gw/t', { headers: { traceparent: incoming.header } }))
    expect(await res.text()).toBe('503 503')
    const spans = await waitForSpans(incoming.traceId, (s) => s.some((x) => x.service === GATEWAY && x.kind === 'SERVER'))
    const server = only(spans, { service: GATEWAY, kind: 'SERVER' })
    expect(server.events.map((e) => e.name)).toEqual([
      'switchyard.ratelimit.decision',
      'switchyard.breaker.decision',
      'switchyard.breaker.decision',
    ])
    expect(server.events[0]!.attributes).toEqual({
      'switchyard.ratelimit.policy': 'burst',
      'switchyard.ratelimit.allowed': true,
      'switchyard.ratelimit.remaining': 41,
    })
    expect(server.events[2]!.attributes).toMatchObject({ 'switchyard.breaker.allowed': false })
    expect(server.attributes).toMatchObject({ 'switchyard.breaker.state': 'open', 'switchyard.ratelimit.allowed': true })
    // The open breaker let no request out: one client span only.
    expect(spans.filter((s) => s.service === GATEWAY && s.kind === 'CLIENT')).toHaveLength(1)
  })
})

describe('when spans are not exported', () => {
  it('exports nothing from a gateway without an endpoint, while still propagating', async () => {
    await resetOrigin('users')
    const incoming = newTraceparent('01')
    expect((await gateway('/api/v2/users/1', { headers: { traceparent: incoming.header } })).status).toBe(200)
    const sent = parseTp((await originStats('users')).lastHeaders.traceparent)
    // The origin exports (it is configured to): its span's parent is the gateway's call…
    const spans = await waitForSpans(incoming.traceId, (s) => s.some((x) => x.service === 'switchyard-users'))
    expect(only(spans, { service: 'switchyard-users' }).parentSpanId).toBe(sent.parentId)
    // …which the gateway never exported, not even a moment later.
    await new Promise((r) => setTimeout(r, 300))
    expect((await receivedSpans(incoming.traceId)).filter((s) => s.service === GATEWAY)).toEqual([])
  })

  it('samples new traces by ratio and always follows the caller’s sampled flag', async () => {
    const gw = exportingGateway({ sampleRatio: 0 })
    await resetOrigin('users')
    const fresh = await gw.fetch('/api/v2/users/1')
    const unsampled = parseTp(fresh.headers.get('traceresponse'))
    expect(unsampled.flags).toBe(0x02) // random id, not sampled
    expect(parseTp((await originStats('users')).lastHeaders.traceparent).flags).toBe(0x02)

    const notSampled = newTraceparent('00')
    await exportingGateway().fetch('/api/v2/users/1', { headers: { traceparent: notSampled.header } })

    const sampled = newTraceparent('01')
    await gw.fetch('/api/v2/users/1', { headers: { traceparent: sampled.header } })
    const spans = await waitForSpans(sampled.traceId, (s) => s.filter((x) => x.service === GATEWAY).length === 2)
    expect(spans.length).toBeGreaterThanOrEqual(2)
    // Exports of the two unsampled requests would have been sent first: nothing came.
    await new Promise((r) => setTimeout(r, 200))
    expect(await receivedSpans(unsampled.traceId)).toEqual([])
    expect(await receivedSpans(notSampled.traceId)).toEqual([])
  })
})
