import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { callsTo, patch, QUIET, resetInstances, resilientGateway, setInstanceFault } from './resilience-helpers'

beforeEach(() => resetInstances('USERS', 'ORDERS'))

/** Retries on, fast backoff, a budget that does not get in the way, breaker quiet. */
const RETRIES = patch(QUIET, {
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, budget: { minRetries: 1000 } },
})

const order = JSON.stringify({ user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1, unit_price_cents: 1200 }] })
const post = (headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: order,
})

describe('retries', () => {
  it('retries a GET after 503s and answers from the attempt that worked', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 503, times: 2 })
    const res = await gw.fetch('/api/v2/users/1')
    expect(res.status).toBe(200)
    expect(await callsTo('USERS')).toBe(3)
    const retries = gw.logs.filter((l) => l.msg === 'upstream retry')
    expect(retries.map((l) => l.attempt)).toEqual([2, 3])
    expect(retries[0]).toMatchObject({ service: 'users', reason: 'status 503' })
  })

  it('stops at maxAttempts and passes the last problem+json 5xx through', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 502 })
    const body = await expectProblem(await gw.fetch('/api/v2/users/1'), 502)
    expect(body.type).toContain('injected-fault')
    expect(await callsTo('USERS')).toBe(3)
  })

  it('retries a timed-out attempt', async () => {
    const gw = resilientGateway({ defaults: patch(RETRIES, { timeout: { perTryMs: 1000, deadlineMs: 5000 } }) })
    await setInstanceFault('USERS', { mode: 'hang', times: 1 })
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS')).toBe(2)
  })

  it('never retries 500, 501 or 4xx', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    for (const status of [500, 501, 400, 409, 429]) {
      await setInstanceFault('USERS', { mode: 'status', status })
      expect((await gw.fetch('/api/v2/users/1')).status).toBe(status)
    }
    expect(await callsTo('USERS')).toBe(5)
  })

  it('never retries a POST without an Idempotency-Key', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('ORDERS', { mode: 'status', status: 503, paths: '/orders' })
    await expectProblem(await gw.fetch('/api/v2/orders', post()), 503)
    expect(await callsTo('ORDERS')).toBe(1)
  })

  it('never retries a PATCH without an Idempotency-Key', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    const res = await gw.fetch('/api/v2/users/1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Ada"}',
    })
    await expectProblem(res, 503)
    expect(await callsTo('USERS')).toBe(1)
  })

  it('never retries a keyed PATCH on a route that does not declare idempotency', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    const res = await gw.fetch('/api/v2/users/1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'idempotency-key': '"rename-ada-1"' },
      body: '{"name":"Ada"}',
    })
    await expectProblem(res, 503)
    expect(await callsTo('USERS')).toBe(1)
  })

  it('retries a keyed POST on a route that declares idempotency, resending the same body', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('ORDERS', { mode: 'status', status: 503, times: 1, paths: '/orders' })
    const res = await gw.fetch('/api/v2/orders', post({ 'idempotency-key': `"order-${crypto.randomUUID()}"` }))
    expect(res.status).toBe(201)
    expect(((await res.json()) as { total_cents: number }).total_cents).toBe(1200)
    expect(await callsTo('ORDERS')).toBe(2)
  })

  it("honours the origin's Retry-After before trying again", async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 503, retryAfter: 1, times: 1 })
    const started = Date.now()
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(gw.logs.find((l) => l.msg === 'upstream retry')?.delay_ms).toBe(1000)
  })

  it('does not wait out a Retry-After longer than maxRetryAfterMs: the 503 and its Retry-After go to the client', async () => {
    const gw = resilientGateway({ defaults: patch(RETRIES, { retry: { ...RETRIES.retry, maxRetryAfterMs: 2000 } }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503, retryAfter: 120 })
    const res = await gw.fetch('/api/v2/users/1')
    await expectProblem(res, 503)
    expect(res.headers.get('retry-after')).toBe('120')
    expect(await callsTo('USERS')).toBe(1)
  })
})

describe('retry budget', () => {
  it('under a failing origin, retries stay within 20 % of requests instead of multiplying load', async () => {
    const gw = resilientGateway({
      services: { users: { bindings: ['USERS'] } },
      defaults: patch(RETRIES, { retry: { ...RETRIES.retry, budget: { ratio: 0.2, minRetries: 0, windowMs: 60_000 } } }),
    })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    const requests = 40
    for (let i = 0; i < requests; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(503)
    const calls = await callsTo('USERS')
    // Without a budget 3 attempts each would make 120 calls; the budget allows 20 % more than 40.
    expect(calls - requests).toBeGreaterThan(0)
    expect(calls - requests).toBeLessThanOrEqual(0.2 * requests)
    expect(gw.logs.some((l) => l.msg === 'retry budget exhausted')).toBe(true)
    const ready = (await (await gw.fetch('/health/ready')).json()) as {
      dependencies: { users: { retry_budget: { requests: number; retries: number } } }
    }
    expect(ready.dependencies.users.retry_budget).toMatchObject({ requests, retries: calls - requests })
  })

  it('minRetries lets a quiet service retry its first failures', async () => {
    const gw = resilientGateway({
      defaults: patch(RETRIES, { retry: { ...RETRIES.retry, budget: { ratio: 0.2, minRetries: 2, windowMs: 60_000 } } }),
    })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(503)
    expect(await callsTo('USERS')).toBe(3)
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(503)
    expect(await callsTo('USERS')).toBe(4) // the two floor retries are spent; 0.2 × 2 requests < 1
  })
})
