import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { callsTo, eventually, instanceStats, patch, QUIET, resetInstances, resilientGateway, setInstanceFault } from './resilience-helpers'

beforeEach(() => resetInstances('USERS', 'PAYMENTS'))

describe('timeouts', () => {
  it('a hanging origin is cut off at the per-try timeout: 504 problem+json, and the abort reaches the origin', async () => {
    const gw = resilientGateway({ defaults: patch(QUIET, { timeout: { perTryMs: 300, deadlineMs: 5000 } }) })
    await setInstanceFault('USERS', { mode: 'hang' })
    const res = await gw.fetch('/api/v2/users/1')
    const body = await expectProblem(res, 504)
    // The per-try timeout answered (not the 5 s deadline), for the one attempt made.
    expect(body).toMatchObject({ service: 'users', timeout: 'try', timeout_ms: 300 })
    expect(await callsTo('USERS')).toBe(1)
    // The origin saw its request cancelled: the signal reached the service-binding fetch.
    expect(await eventually(async () => (await instanceStats('USERS')).aborted === 1)).toBe(true)
  })
})

describe('the overall deadline', () => {
  it('bounds a call whose every attempt times out, retries and backoff included', async () => {
    const gw = resilientGateway({
      defaults: patch(QUIET, {
        timeout: { perTryMs: 300, deadlineMs: 800 },
        retry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 20, budget: { minRetries: 100 } },
      }),
    })
    await setInstanceFault('USERS', { mode: 'hang' })
    const body = await expectProblem(await gw.fetch('/api/v2/users/1'), 504)
    expect(body).toMatchObject({ timeout: 'deadline', timeout_ms: 800 })
    // 800 ms leave room for at most three 300 ms attempts, never the ten allowed.
    const calls = await callsTo('USERS')
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(calls).toBeLessThanOrEqual(3)
  })

  it('gives up before a backoff that would pass the deadline, returning the origin answer', async () => {
    // Retry-After 5 s fits maxRetryAfterMs (raised here) but not the 1 s deadline.
    const gw = resilientGateway({
      defaults: patch(QUIET, { timeout: { perTryMs: 500, deadlineMs: 1000 }, retry: { maxAttempts: 3, maxRetryAfterMs: 10_000 } }),
    })
    await setInstanceFault('USERS', { mode: 'status', status: 503, retryAfter: 5 })
    const res = await gw.fetch('/api/v2/users/1')
    await expectProblem(res, 503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await callsTo('USERS')).toBe(1)
  })
})

describe('per-route timeouts', () => {
  it("a route's own timeout overrides the service's (POST /payments/charges waits longer)", async () => {
    const gw = resilientGateway({ defaults: patch(QUIET, { timeout: { perTryMs: 300, deadlineMs: 600 } }) })
    await setInstanceFault('PAYMENTS', { mode: 'delay', delayMs: 900, paths: '/payments/charges' })
    // GET /payments/charges has only the service's 300 ms.
    await expectProblem(await gw.fetch('/api/v2/payments/charges?order=1'), 504)
    // POST /payments/charges has its route's 10 s: the origin's own answer arrives (a valid
    // request, so the gateway's validation lets it through; 422: method 3 is not user 1's).
    const res = await gw.fetch('/api/v2/payments/charges', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order_id: 1, user_id: 1, amount_cents: 1, currency: 'EUR', method_id: 3 }),
    })
    await expectProblem(res, 422)
  })
})
