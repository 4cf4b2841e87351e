import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheOutcome } from '../middleware/metrics'
import { createMetrics, metricsConfigSchema, metricsFromEnv } from '../src/metrics'
import { RecentWindow } from '../src/metrics/recent'
import { customGateway, resetOrigin, setFault } from './helpers'
import { bearer } from './tokens'

const receiverUrl = () => (env as unknown as { OTLP_RECEIVER_URL: string }).OTLP_RECEIVER_URL

/** One data point as scripts/otlp-receiver.mjs decodes it. */
interface ReceivedPoint {
  service: string
  instance: string
  name: string
  kind: string
  temporality?: string
  attributes: Record<string, unknown>
  value?: number
  count?: number
  sum?: number
  buckets?: number[]
  timeNs: string
  /** Which export (POST) of the receiver's the point came in. */
  export: number
}

async function points(service: string, name?: string): Promise<ReceivedPoint[]> {
  const res = await fetch(`${receiverUrl()}/metrics${name ? `?name=${encodeURIComponent(name)}` : ''}`)
  return ((await res.json()) as ReceivedPoint[]).filter((p) => p.service === service)
}

/**
 * The points of the newest export that has any. Exports are cumulative, so the newest holds
 * the largest total; concurrent exports may arrive in either order and share a timestamp.
 */
async function waitForLatest(service: string, name: string, done: (ps: ReceivedPoint[]) => boolean): Promise<ReceivedPoint[]> {
  const total = (ps: ReceivedPoint[]) => ps.reduce((n, p) => n + (p.count ?? p.value ?? 0), 0)
  for (let i = 0; ; i++) {
    const byExport = new Map<number, ReceivedPoint[]>()
    for (const p of await points(service, name)) {
      const group = byExport.get(p.export)
      if (group) group.push(p)
      else byExport.set(p.export, [p])
    }
    const latest = [...byExport.values()].reduce<ReceivedPoint[]>((a, b) => (total(b) >= total(a) ? b : a), [])
    if (latest.length && done(latest)) return latest
    if (i > 100) throw new Error(`no ${name} from ${service} as expected: ${JSON.stringify([...byExport], null, 1)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

let serial = 0
/** A gateway exporting after every request, under a service name of its own. */
function exportingGateway(overrides: Record<string, unknown> = {}) {
  const serviceName = `metrics-test-${Date.now()}-${serial++}`
  const gw = customGateway({
    ...overrides,
    metrics: { serviceName, intervalMs: 0, otlp: { endpoint: `${receiverUrl()}/v1/metrics` } },
  })
  return { ...gw, serviceName }
}

const SKU = '/api/v2/inventory/SKU-RED-MUG'

describe('metrics over OTLP/HTTP', () => {
  afterEach(async () => {
    await resetOrigin('users')
  })

  it('counts requests and their duration by route, method and status', async () => {
    const gw = exportingGateway()
    expect((await gw.fetch(SKU)).status).toBe(200)
    expect((await gw.fetch(SKU)).status).toBe(200)
    expect((await gw.fetch('/api/v2/inventory/SKU-NONE')).status).toBe(404)
    expect((await gw.fetch('/no/such/path')).status).toBe(404)

    const latest = await waitForLatest(gw.serviceName, 'http.server.request.duration', (ps) =>
      ps.reduce((n, p) => n + (p.count ?? 0), 0) === 4,
    )
    const byKey = Object.fromEntries(
      latest.map((p) => [`${p.attributes['http.route'] ?? '-'} ${p.attributes['http.response.status_code']}`, p]),
    )
    expect(byKey['/api/v2/inventory/:sku 200']).toMatchObject({ kind: 'histogram', temporality: 'CUMULATIVE', count: 2 })
    expect(byKey['/api/v2/inventory/:sku 200']!.attributes['http.request.method']).toBe('GET')
    expect(byKey['/api/v2/inventory/:sku 200']!.sum).toBeGreaterThan(0)
    expect(byKey['/api/v2/inventory/:sku 404']).toMatchObject({ count: 1 })
    // No route matched: no http.route attribute, so unmatched paths cannot explode cardinality.
    expect(byKey['- 404']).toMatchObject({ count: 1 })
    expect(latest.every((p) => p.instance === latest[0]!.instance && typeof p.instance === 'string')).toBe(true)

    const upstream = await waitForLatest(gw.serviceName, 'http.client.request.duration', (ps) =>
      ps.reduce((n, p) => n + (p.count ?? 0), 0) === 3,
    )
    expect(upstream.map((p) => [p.attributes['switchyard.service'], p.attributes['http.response.status_code'], p.count]).sort()).toEqual([
      ['inventory', 200, 2],
      ['inventory', 404, 1],
    ])
  })

  it('counts server errors, retries, and breaker transitions of a failing origin', async () => {
    const gw = exportingGateway({
      resilience: {
        defaults: {
          retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, budget: { minRetries: 10 } },
          breaker: { consecutiveFailures: 2, openMs: 60_000 },
        },
      },
      caching: { coalesce: false },
    })
    const token = await bearer('grace')
    await setFault('users', { mode: 'status', status: 503 })
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/users/1', { headers: token })).status).toBe(503)

    // Exports leave after each response, so the third request's may still be on its way.
    const requests = await waitForLatest(gw.serviceName, 'http.server.request.duration', (ps) => ps[0]?.count === 3)
    expect(requests).toEqual([
      expect.objectContaining({
        count: 3,
        attributes: expect.objectContaining({ 'http.route': '/api/v2/users/:id', 'http.response.status_code': 503, 'error.type': '503' }),
      }),
    ])
    const retries = await waitForLatest(gw.serviceName, 'switchyard.upstream.retries', () => true)
    expect(retries).toEqual([
      expect.objectContaining({
        kind: 'sum',
        value: 2,
        attributes: { 'switchyard.service': 'users', 'switchyard.retry.outcome': 'retried', 'switchyard.retry.reason': 'status 503' },
      }),
    ])
    const transitions = await waitForLatest(gw.serviceName, 'switchyard.breaker.transitions', () => true)
    expect(transitions).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: { 'switchyard.service': 'users', 'switchyard.breaker.from': 'closed', 'switchyard.breaker.to': 'open' },
      }),
    ])
    const attempts = await waitForLatest(gw.serviceName, 'http.client.request.duration', () => true)
    // Two calls of two attempts reached the origin; the third call met the open breaker.
    expect(attempts.map((p) => [p.attributes['switchyard.retry'] ?? false, p.attributes['error.type'], p.count]).sort()).toEqual([
      [false, '503', 2],
      [true, '503', 2],
    ])
  })
})

describe('metrics without a collector', () => {
  it('builds no exporter and never starts an export when OTLP is not configured', async () => {
    const metrics = createMetrics(metricsConfigSchema.parse({}))
    metrics.request({ method: 'GET', route: '/x', status: 200, durationMs: 1 })
    expect(metrics.exporting).toBe(false)
    expect(metrics.flush()).toBeUndefined()
    expect(metrics.flush(true)).toBeUndefined()
    // The status page's window is kept all the same.
    expect(metrics.recent().routes['GET /x']).toEqual({ requests: 1, errors: 0, error_rate: 0 })
  })

  it('reads the standard OTEL_* variables, and leaves Deno`s own exporter alone', () => {
    expect(metricsFromEnv({})).toEqual({})
    expect(
      metricsFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
        OTEL_METRIC_EXPORT_INTERVAL: '2000',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b',
      }),
    ).toEqual({ intervalMs: 2000, otlp: { endpoint: 'http://127.0.0.1:4318/v1/metrics', headers: { 'api-key': 'a b' }, temporality: 'delta' } })
    expect(metricsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_DENO: 'true' })).toEqual({})
    expect(() => metricsConfigSchema.parse(metricsFromEnv({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }))).toThrow()
  })
})

describe('export throttling', () => {
  it('exports at most once per interval, and on demand', async () => {
    const metrics = createMetrics(
      metricsConfigSchema.parse({ serviceName: `metrics-throttle-${Date.now()}`, intervalMs: 60_000, otlp: { endpoint: `${receiverUrl()}/v1/metrics` } }),
    )
    metrics.request({ method: 'GET', route: '/x', status: 200, durationMs: 1 })
    const first = metrics.flush()
    expect(first).toBeInstanceOf(Promise)
    expect(metrics.flush()).toBeUndefined()
    await first
    expect(metrics.flush()).toBeUndefined()
    const forced = metrics.flush(true)
    expect(forced).toBeInstanceOf(Promise)
    await forced
  })
})

describe('recent window and cache outcome', () => {
  it('rolls requests out of the window as time passes', () => {
    let now = 0
    const window = new RecentWindow(60, 6, () => now)
    window.route('GET /a', false)
    window.route('GET /a', true)
    window.upstream('users', true)
    now = 30_000
    window.route('GET /a', false)
    expect(window.snapshot().routes['GET /a']).toEqual({ requests: 3, errors: 1, error_rate: 0.333 })
    now = 61_000
    expect(window.snapshot()).toEqual({ window_s: 60, routes: { 'GET /a': { requests: 1, errors: 0, error_rate: 0 } }, upstreams: {}, limiter: {} })
    now = 200_000
    expect(window.snapshot().routes).toEqual({})
  })

  it('reads the gateway`s own Cache-Status member, not an origin`s', () => {
    expect(cacheOutcome('switchyard; hit; ttl=4', 'switchyard')).toBe('hit')
    expect(cacheOutcome('origin; hit, switchyard; fwd=uri-miss; stored', 'switchyard')).toBe('miss')
    expect(cacheOutcome('switchyard; fwd=stale', 'switchyard')).toBe('stale')
    expect(cacheOutcome('switchyard; fwd=bypass; detail=credentials', 'switchyard')).toBe('bypass')
    expect(cacheOutcome('origin; hit', 'switchyard')).toBeUndefined()
    expect(cacheOutcome(null, 'switchyard')).toBeUndefined()
  })
})

describe('aggregation', () => {
  it('delta: each export holds only what was measured since the last; a bucket counts values up to its bound', async () => {
    const serviceName = `metrics-delta-${Date.now()}`
    const metrics = createMetrics(
      metricsConfigSchema.parse({ serviceName, intervalMs: 0, otlp: { endpoint: `${receiverUrl()}/v1/metrics`, temporality: 'delta' } }),
    )
    const request = (durationMs: number) => metrics.request({ method: 'GET', route: '/x', status: 200, durationMs })
    request(5) // 0.005 s: the first bucket (≤ 0.005)
    request(20) // the third (0.01 < 0.02 ≤ 0.025)
    await metrics.flush(true)
    request(20_000) // past the last bound (10 s): the overflow bucket
    await metrics.flush(true)
    await metrics.flush(true) // nothing measured since: nothing sent
    const bucketsWith = (...at: number[]) => Array.from({ length: 15 }, (_, i) => at.filter((a) => a === i).length)
    const exported = await points(serviceName, 'http.server.request.duration')
    expect(exported.map((p) => [p.temporality, p.count, p.buckets])).toEqual([
      ['DELTA', 2, bucketsWith(0, 2)],
      ['DELTA', 1, bucketsWith(14)],
    ])
    expect(exported[1]!.sum).toBe(20)
  })
})
