import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { traceContext } from '../middleware/trace-context'
import { parseConfig } from '../src/config/schema'
import { workersConfig } from '../src/config/deployment'
import { createLogger } from '../src/log'
import { tracingConfigSchema } from '../wire/tracing/config'
import { injectTraceHeaders, tracedFetch } from '../wire/tracing/client'
import { createTelemetry } from '../wire/tracing/telemetry'
import type { GatewayEnv } from '../src/types'
import { createRegistry } from '../src/upstream/registry'
import { withinTrace } from '../src/tracing/within'
import { customGateway, gateway, logCapture, originStats, resetOrigin } from './helpers'
import { newTraceparent, parseTp, recordingBindings } from './tracing-helpers'
import { bearer } from './tokens'

/** A public route (no token to mint): the inventory origin answers it. */
const PUBLIC = '/api/v2/inventory/SKU-RED-MUG'

const order = (items: string[]) => ({
  method: 'POST',
  body: JSON.stringify({
    user_id: 2,
    currency: 'EUR',
    items: items.map((sku) => ({ sku, quantity: 1 })),
  }),
})

describe('one trace from the client to the origin and on to its own call', () => {
  it('gateway → orders → inventory share the trace id, each hop with a new parent id', async () => {
    await resetOrigin('orders')
    await resetOrigin('inventory')
    const incoming = newTraceparent('03')
    const res = await gateway('/api/v2/orders', {
      ...order(['SKU-GREEN-TEE']),
      headers: {
        traceparent: incoming.header,
        tracestate: 'vendor=abc,other=1',
        'content-type': 'application/json',
        ...(await bearer('grace')),
      },
    })
    expect(res.status).toBe(201)

    const atOrders = (await originStats('orders')).lastHeaders
    const atInventory = (await originStats('inventory')).lastHeaders
    const toOrders = parseTp(atOrders.traceparent)
    const toInventory = parseTp(atInventory.traceparent)
    expect(toOrders.traceId).toBe(incoming.traceId)
    expect(toInventory.traceId).toBe(incoming.traceId)
    // Three different spans: the client's, the gateway's call, the orders origin's call.
    expect(new Set([incoming.parentId, toOrders.parentId, toInventory.parentId]).size).toBe(3)
    // Sampled and random flags travel the whole way; so does tracestate.
    expect(toOrders.flags).toBe(0x03)
    expect(toInventory.flags).toBe(0x03)
    expect(atOrders.tracestate).toBe('vendor=abc,other=1')
    expect(atInventory.tracestate).toBe('vendor=abc,other=1')

    const response = parseTp(res.headers.get('traceresponse'))
    expect(response.traceId).toBe(incoming.traceId)
    expect([incoming.parentId, toOrders.parentId]).not.toContain(response.parentId)
  })

  it('starts a trace for a client without one, and the origins continue it', async () => {
    await resetOrigin('orders')
    await resetOrigin('inventory')
    const res = await gateway('/api/v2/orders', {
      ...order(['SKU-YELLOW-SOCKS']),
      headers: { 'content-type': 'application/json', ...(await bearer('grace')) },
    })
    expect(res.status).toBe(201)
    const started = parseTp(res.headers.get('traceresponse'))
    expect(started.flags).toBe(0x03)
    expect(parseTp((await originStats('orders')).lastHeaders.traceparent).traceId).toBe(started.traceId)
    expect(parseTp((await originStats('inventory')).lastHeaders.traceparent).traceId).toBe(started.traceId)
  })

  it('answers with the origin span in its own traceresponse', async () => {
    const incoming = newTraceparent()
    const res = await (env as unknown as Record<string, Fetcher>).USERS!.fetch('http://users/users/1', {
      headers: { traceparent: incoming.header },
    })
    const response = parseTp(res.headers.get('traceresponse'))
    expect(response.traceId).toBe(incoming.traceId)
    expect(response.parentId).not.toBe(incoming.parentId)
  })
})

describe('a new parent id per outgoing request', () => {
  it('gives each of the five readiness calls of one request its own parent id', async () => {
    const recording = recordingBindings()
    const gw = customGateway({}, { bindings: recording.lookup })
    const incoming = newTraceparent()
    const res = await gw.fetch('/health/ready', { headers: { traceparent: incoming.header } })
    expect(res.status).toBe(200)
    const sent = recording.seen.filter((s) => s.path === '/health/ready').map((s) => parseTp(s.traceparent))
    expect(sent).toHaveLength(5)
    expect(sent.every((tp) => tp.traceId === incoming.traceId)).toBe(true)
    expect(new Set(sent.map((tp) => tp.parentId)).size).toBe(5)
    expect(sent.map((tp) => tp.parentId)).not.toContain(incoming.parentId)
  })

  it('gives each of three calls made in one request its own parent id, and tracestate to all', async () => {
    // A handler that calls the users upstream three times (as an aggregate would).
    const recording = recordingBindings()
    const config = parseConfig(workersConfig())
    const telemetry = createTelemetry(config.tracing)
    const registry = createRegistry(config, { bindings: recording.lookup, telemetry })
    const app = new Hono<GatewayEnv>()
    app.use(traceContext({ telemetry }))
    app.get('/three', async (c) => {
      const users = registry.get('users')!
      for (const id of [1, 2, 3]) {
        const ctx = { service: 'users', route: '/three', requestId: 'r', trace: c.get('trace'), waitUntil: () => {} }
        await (await users(new Request(`http://users.internal/users/${id}`), ctx)).body?.cancel()
      }
      return c.text('ok')
    })
    const incoming = newTraceparent()
    await app.fetch(new Request('http://gw/three', { headers: { traceparent: incoming.header, tracestate: 'k=v' } }))
    const sent = recording.seen.map((s) => parseTp(s.traceparent))
    expect(sent).toHaveLength(3)
    expect(sent.every((tp) => tp.traceId === incoming.traceId)).toBe(true)
    expect(new Set([incoming.parentId, ...sent.map((tp) => tp.parentId)]).size).toBe(4)
    expect(recording.seen.every((s) => s.tracestate === 'k=v')).toBe(true)
  })

  it('replaces a client-sent traceparent instead of forwarding it', async () => {
    const recording = recordingBindings()
    const gw = customGateway({}, { bindings: recording.lookup })
    const incoming = newTraceparent()
    await gw.fetch(PUBLIC, { headers: { traceparent: incoming.header } })
    const sent = parseTp(recording.seen[0]!.traceparent)
    expect(sent.traceId).toBe(incoming.traceId)
    expect(sent.parentId).not.toBe(incoming.parentId)
  })
})

describe('helpers for calls outside the upstream stack (JWKS, Redis, queues)', () => {
  it('gives the JWKS fetch of token verification its own parent id in the request’s trace', async () => {
    const recording = recordingBindings()
    // A new gateway has a cold key cache: its first protected request fetches the JWKS.
    const gw = customGateway({}, { bindings: recording.lookup })
    const incoming = newTraceparent()
    const res = await gw.fetch('/api/v2/users/1', { headers: { traceparent: incoming.header, ...(await bearer('grace')) } })
    expect(res.status).toBe(200)
    const jwks = recording.seen.find((s) => s.service === 'auth')!
    const users = recording.seen.find((s) => s.service === 'users')!
    expect(jwks.path).toMatch(/jwks\.json$/)
    const [toAuth, toUsers] = [parseTp(jwks.traceparent), parseTp(users.traceparent)]
    expect(toAuth.traceId).toBe(incoming.traceId)
    expect(toUsers.traceId).toBe(incoming.traceId)
    expect(new Set([incoming.parentId, toAuth.parentId, toUsers.parentId]).size).toBe(3)
  })

  /** A handler that calls the auth origin twice through tracedFetch and builds a queue message. */
  function appWithHelpers(authFetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
    const telemetry = createTelemetry(tracingConfigSchema.parse({}))
    const app = new Hono<GatewayEnv>()
    app.use(traceContext({ telemetry }))
    const auth = tracedFetch(authFetch, { service: 'auth' })
    // Code handed no context (jose, the Redis client) runs in the request's trace context.
    app.get('/work', (c) =>
      withinTrace(c.get('trace'), async () => {
        for (let i = 0; i < 2; i++) await (await auth('http://auth/auth/.well-known/jwks.json')).body?.cancel()
        const message = injectTraceHeaders<Record<string, string>>({})
        const headers = injectTraceHeaders(new Headers())
        return c.json({ message, header: headers.get('traceparent') })
      }),
    )
    return app
  }

  it('tracedFetch and injectTraceHeaders each give a new parent id in the same trace', async () => {
    const recording = recordingBindings()
    const binding = recording.lookup('AUTH')!
    const app = appWithHelpers((input, init) => binding.fetch(input, init))
    const incoming = newTraceparent()
    const res = await app.fetch(new Request('http://gw/work', { headers: { traceparent: incoming.header, tracestate: 'a=1' } }))
    const body = (await res.json()) as { message: Record<string, string>; header: string }
    const ids = [
      ...recording.seen.map((s) => parseTp(s.traceparent)),
      parseTp(body.message.traceparent),
      parseTp(body.header),
    ]
    expect(ids).toHaveLength(4)
    expect(ids.every((tp) => tp.traceId === incoming.traceId)).toBe(true)
    expect(new Set([incoming.parentId, ...ids.map((tp) => tp.parentId)]).size).toBe(5)
    expect(body.message.tracestate).toBe('a=1')
    expect(recording.seen.every((s) => s.tracestate === 'a=1')).toBe(true)
  })

  it('leaves calls outside a traced request untouched', async () => {
    const recording = recordingBindings()
    const binding = recording.lookup('AUTH')!
    const plain = tracedFetch((input: RequestInfo | URL, init?: RequestInit) => binding.fetch(input, init))
    await (await plain('http://auth/health/live')).body?.cancel()
    expect(recording.seen[0]!.traceparent).toBeNull()
    expect(injectTraceHeaders<Record<string, string>>({})).toEqual({})
  })
})

describe('trace ids where a user and an operator can find them', () => {
  it('puts trace_id and span_id on every log line of the request, matching traceresponse', async () => {
    const capture = logCapture()
    // users on a port nothing listens on: the resilience layer retries and logs, the proxy
    // logs the failed call, then answers 502.
    const gw = customGateway(
      { services: { ...workersConfig().services, users: { urls: ['http://127.0.0.1:9'] } } },
      { logger: createLogger({ service: 'gw' }, capture.sink) },
    )
    const incoming = newTraceparent()
    const res = await gw.fetch('/api/v2/users/1', { headers: { traceparent: incoming.header, ...(await bearer('grace')) } })
    expect(res.status).toBe(502)
    const server = parseTp(res.headers.get('traceresponse'))
    const messages = capture.lines.map((l) => l.msg)
    expect(messages).toEqual(expect.arrayContaining(['upstream retry', 'upstream call failed', 'request']))
    for (const line of capture.lines) {
      expect(line.trace_id).toBe(incoming.traceId)
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/)
    }
    // Lines of the request itself carry its server span; none is left without ids.
    for (const msg of ['upstream retry', 'upstream call failed', 'request']) {
      expect(capture.lines.find((l) => l.msg === msg)).toMatchObject({ span_id: server.parentId })
    }
  })

  it('puts the request’s ids on the lines the breaker and the balancer log while serving it', async () => {
    const capture = logCapture()
    // Two dead instances, no retries: the first call fails, ejects its instance and opens the breaker.
    const gw = customGateway(
      {
        services: { ...workersConfig().services, users: { urls: ['http://127.0.0.1:9', 'http://127.0.0.1:9/b'] } },
        resilience: {
          defaults: {
            retry: { maxAttempts: 1 },
            breaker: { consecutiveFailures: 1 },
            balance: { strategy: 'round-robin', ejection: { consecutiveFailures: 1, maxPercent: 50 } },
          },
        },
        caching: { coalesce: false },
      },
      { logger: createLogger({ service: 'gw' }, capture.sink) },
    )
    const incoming = newTraceparent()
    const res = await gw.fetch('/api/v2/users/1', { headers: { traceparent: incoming.header, ...(await bearer('grace')) } })
    expect(res.status).toBe(502)
    const server = parseTp(res.headers.get('traceresponse'))
    for (const msg of ['upstream instance ejected', 'circuit breaker state change', 'request']) {
      expect(capture.lines.find((l) => l.msg === msg)).toMatchObject({ trace_id: incoming.traceId, span_id: server.parentId })
    }
  })

  it('sends traceresponse on error documents too (404, 405, 413)', async () => {
    const incoming = newTraceparent('00')
    for (const [path, init] of [
      ['/nope', {}],
      ['/api/v2/users/1', { method: 'DELETE' }],
      ['/api/v2/orders', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }],
    ] as const) {
      const res = await gateway(path, { ...init, headers: { traceparent: incoming.header } })
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(parseTp(res.headers.get('traceresponse'))).toMatchObject({ traceId: incoming.traceId, flags: 0 })
    }
  })

  it('is transparent when tracing is disabled: no span of its own, the client header passes', async () => {
    const recording = recordingBindings()
    const gw = customGateway({ tracing: { enabled: false } }, { bindings: recording.lookup })
    const incoming = newTraceparent()
    const res = await gw.fetch(PUBLIC, { headers: { traceparent: incoming.header } })
    expect(res.status).toBe(200)
    expect(recording.seen[0]!.traceparent).toBe(incoming.header)
  })
})
