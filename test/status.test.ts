import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { db, placeOrder, queue, settled, sweep, until } from './events-support'
import { customGateway, expectProblem, gateway, resetOrigin, setFault } from './helpers'
import { bearer } from './tokens'

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

interface Report {
  status: string
  metrics_export: string
  services: Record<string, { status: string; breaker: { state: string }; instances: { id: string; ejected: boolean }[]; retry_budget: { available: number }; recent: { requests: number; errors: number; error_rate: number } }>
  routes: Record<string, { requests: number; errors: number; error_rate: number }>
  rate_limit: { enabled: boolean; store?: string; health?: string; recent?: Record<string, number>; totals?: Record<string, number> }
  events: Record<string, Backlog | { error: string }>
}
interface Backlog {
  outbox: { unsent: number; failing: number; oldest_unsent_at: string | null }
  dead_letters: { pending: number; total: number }
}

type EventService = 'orders' | 'inventory' | 'payments'

/** What the origin's own D1 holds: unsent outbox rows (and failed ones among them), dead letters. */
async function backlogInD1(service: EventService): Promise<Backlog> {
  const o = await db(service)
    .prepare('SELECT COUNT(*) AS unsent, COUNT(last_error) AS failing, MIN(created_at) AS oldest FROM outbox WHERE sent_at IS NULL')
    .first<{ unsent: number; failing: number; oldest: string | null }>()
  const d = await db(service)
    .prepare('SELECT COUNT(*) AS total, SUM(replayed_at IS NULL) AS pending FROM dead_letters')
    .first<{ total: number; pending: number | null }>()
  return { outbox: { unsent: o!.unsent, failing: o!.failing, oldest_unsent_at: o!.oldest }, dead_letters: { pending: d!.pending ?? 0, total: d!.total } }
}

const statusReport = async (): Promise<Report> => {
  const res = await gateway('/status.json', { headers: await bearer('grace') })
  expect(res.status).toBe(200)
  return (await res.json()) as Report
}

describe('operators status page', () => {
  afterEach(() => resetOrigin('users'))

  it('is for admins only: 401 without a token, 403 for a customer, for HTML and JSON alike', async () => {
    for (const path of ['/status', '/status.json']) {
      const anonymous = await gateway(path, { headers: { accept: HTML } })
      await expectProblem(anonymous, 401)
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /)
      await expectProblem(await gateway(path, { headers: await bearer('ada') }), 403)
    }
  })

  it('shows each service`s readiness, breaker, instances and retry budget, and the last minute`s error rate by service and route', async () => {
    const gw = customGateway({ resilience: { defaults: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, openMs: 60_000 } } }, caching: { coalesce: false } })
    const admin = await bearer('grace')
    expect((await gw.fetch('/api/v2/users/1', { headers: admin })).status).toBe(200)
    await setFault('users', { mode: 'status', status: 503 })
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/users/1', { headers: admin })).status).toBe(503)

    const res = await gw.fetch('/status.json', { headers: admin })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const report = (await res.json()) as Report
    expect(report.status).toBe('degraded')
    expect(report.metrics_export).toBe('off')
    expect(Object.keys(report.services).sort()).toEqual(['auth', 'inventory', 'orders', 'payments', 'users'])
    expect(report.services.users).toMatchObject({
      status: 'down',
      breaker: { state: 'open' },
      instances: [{ id: 'USERS', ejected: false }],
      // One call answered, two failed before the breaker opened; the third never reached the origin.
      recent: { requests: 3, errors: 2, error_rate: 0.667 },
    })
    expect(report.services.inventory).toMatchObject({ status: 'ok', breaker: { state: 'closed' }, recent: { requests: 0 } })
    expect(report.services.users!.retry_budget.available).toBeGreaterThanOrEqual(0)
    expect(report.routes['GET /api/v2/users/:id']).toEqual({ requests: 4, errors: 3, error_rate: 0.75 })
    expect(report.rate_limit).toEqual({ enabled: false })
  })

  it('answers HTML to a browser and JSON to API clients at /status', async () => {
    const admin = await bearer('grace')
    const page = await gateway('/status', { headers: { ...admin, accept: HTML } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(page.headers.get('vary')).toContain('Accept')
    const body = await page.text()
    expect(body).toContain('<tr data-service="users">')
    expect(body).not.toMatch(/<script|https?:\/\/(?!switchyard\.example)/)

    for (const accept of ['*/*', 'application/json', '']) {
      const res = await gateway('/status', { headers: { ...admin, ...(accept && { accept }) } })
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    }
  })

  it('reports the limiter`s store and its fail-opens', async () => {
    const gw = customGateway({
      rateLimit: {
        store: { kind: 'upstash', url: 'http://127.0.0.1:9/', token: 't', timeoutMs: 200 },
        policies: [{ name: 'burst', quota: 5, window: 60, failure: 'open' }],
      },
    })
    const admin = await bearer('grace')
    expect((await gw.fetch('/api/v2/inventory/SKU-RED-MUG', { headers: admin })).status).toBe(200)
    const report = (await (await gw.fetch('/status.json', { headers: admin })).json()) as Report
    expect(report.rate_limit).toMatchObject({ enabled: true, store: 'upstash', health: 'degraded', recent: { 'fail-open': 1 } })
    expect(report.status).toBe('degraded')
  })
})

describe('status page: event backlogs', () => {
  afterEach(async () => {
    await resetOrigin('orders')
    await resetOrigin('inventory')
  })

  it('shows each event service`s unsent outbox rows and dead letters as its D1 holds them, and the backlog draining', async () => {
    // An order whose event to inventory fails to send: it stays in the orders outbox, failing.
    await setFault('orders', { mode: 'status', paths: '/__relay/inventory', times: 1 })
    const placed = await placeOrder('ada', { user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] })
    expect(placed.status).toBe(202)
    const { id } = (await placed.json()) as { id: number }
    await until(() => backlogInD1('orders'), (b) => b.outbox.failing > 0)
    // A message inventory can never handle: dead-lettered at once.
    const before = await backlogInD1('inventory')
    await queue('inventory').send('not an event', { contentType: 'json' })
    await until(() => backlogInD1('inventory'), (b) => b.dead_letters.total > before.dead_letters.total)

    const report = await statusReport()
    expect(Object.keys(report.events).sort()).toEqual(['inventory', 'orders', 'payments'])
    for (const service of ['orders', 'inventory', 'payments'] as const) {
      expect(report.events[service]).toEqual(await backlogInD1(service))
    }
    const orders = report.events.orders as Backlog
    expect(orders.outbox.unsent).toBeGreaterThan(0)
    expect(orders.outbox.failing).toBeGreaterThan(0)
    expect(orders.outbox.oldest_unsent_at).not.toBeNull()
    expect((report.events.inventory as Backlog).dead_letters.pending).toBe(before.dead_letters.pending + 1)

    // The sweep sends what the failed relay left: the backlog the page shows drains.
    await sweep('orders')
    // The saga then runs to its end (its last event, OrderConfirmed, leaves the orders outbox too).
    expect((await settled(id)).status).toBe('paid')
    await until(() => backlogInD1('orders'), (b) => b.outbox.unsent === 0)
    expect((await statusReport()).events.orders).toMatchObject({ outbox: { unsent: 0, failing: 0, oldest_unsent_at: null } })
  })

  it('the origins answer their event backlog to admins only, and the gateway does not route it to clients', async () => {
    const orders = (env as unknown as Record<string, Fetcher>).ORDERS!
    const asCaller = (roles: string) => ({ 'x-switchyard-subject': '1', 'x-switchyard-scopes': 'orders:read', 'x-switchyard-roles': roles })
    await expectProblem(await orders.fetch('http://orders.internal/orders/events/stats'), 401)
    await expectProblem(await orders.fetch('http://orders.internal/orders/events/stats', { headers: asCaller('customer') }), 403)
    expect((await orders.fetch('http://orders.internal/orders/events/stats', { headers: asCaller('admin') })).status).toBe(200)
    await expectProblem(await gateway('/api/v2/orders/events/stats', { headers: await bearer('grace') }), 404)
  })

  it('shows an origin it cannot ask as unknown, not as an empty backlog', async () => {
    await setFault('payments', { mode: 'status', status: 503, paths: '/payments/events/stats' })
    try {
      const report = await statusReport()
      expect(report.events.payments).toEqual({ error: 'origin answered 503' })
      const page = await (await gateway('/status', { headers: { ...(await bearer('grace')), accept: HTML } })).text()
      expect(page).toMatch(/<tr data-service="payments"><th scope="row">payments<\/th><td colspan="5"><span class="badge warn">unknown<\/span>/)
    } finally {
      await resetOrigin('payments')
    }
  })
})

describe('the gateway root', () => {
  it('answers an index naming the docs, health and status page: JSON for clients, HTML for browsers', async () => {
    const res = await gateway('/')
    expect(res.status).toBe(200)
    const index = (await res.json()) as { links: Record<string, { href: string }> }
    expect(Object.values(index.links).map((l) => l.href)).toEqual(
      expect.arrayContaining(['/docs', '/openapi.json', '/health/ready', '/status']),
    )
    const page = await gateway('/', { headers: { accept: HTML } })
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('<a href="/docs">')
  })
})
