import { beforeEach, describe, expect, it } from 'vitest'
import { customGateway, expectProblem } from './helpers'
import { callsTo, patch, QUIET, resetInstances, resilientGateway, setInstanceFault } from './resilience-helpers'

beforeEach(() => resetInstances('USERS'))

const RETRIES = patch(QUIET, { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, budget: { minRetries: 100 } } })

describe('every failure reaches the client as problem+json', () => {
  it('an origin crash page (text/html 500) becomes 502 problem+json naming the service', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 500, format: 'text' })
    const res = await gw.fetch('/api/v2/users/1')
    const body = await expectProblem(res, 502)
    expect(body).toMatchObject({ service: 'users', upstream_status: 500 })
    expect(JSON.stringify(body)).not.toContain('<html>')
  })

  it('a raw 503 page becomes 502 problem+json, keeping its Retry-After', async () => {
    const gw = resilientGateway({ defaults: RETRIES })
    await setInstanceFault('USERS', { mode: 'status', status: 503, format: 'text', retryAfter: 30 })
    const res = await gw.fetch('/api/v2/users/1')
    expect(await expectProblem(res, 502)).toMatchObject({ upstream_status: 503 })
    expect(res.headers.get('retry-after')).toBe('30')
    expect(await callsTo('USERS')).toBe(1) // Retry-After 30 s is over maxRetryAfterMs: not waited for
  })

  it('an origin that refuses connections: retried, then 502 problem+json', async () => {
    const gw = resilientGateway({ services: { users: { urls: ['http://127.0.0.1:9'] } }, defaults: RETRIES })
    const body = await expectProblem(await gw.fetch('/api/v2/users/1'), 502)
    expect(body).toMatchObject({ service: 'users' })
    expect(gw.logs.some((l) => l.msg === 'upstream retry' && l.reason === 'connection error')).toBe(true)
  })

  it('timeouts (504), open breakers (503) and origin problems keep their status, all problem+json', async () => {
    const gw = resilientGateway({
      services: { users: { bindings: ['USERS'] } },
      defaults: patch(QUIET, { timeout: { perTryMs: 200, deadlineMs: 1000 }, breaker: { consecutiveFailures: 2, openMs: 30_000 } }),
    })
    await setInstanceFault('USERS', { mode: 'hang' })
    await expectProblem(await gw.fetch('/api/v2/users/1'), 504)
    await setInstanceFault('USERS', { mode: 'status', status: 500 })
    await expectProblem(await gw.fetch('/api/v2/users/1'), 500) // the origin's own problem document
    const open = await gw.fetch('/api/v2/users/1')
    await expectProblem(open, 503)
    expect(open.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('a connection dropped mid-body is passed on as a broken body, never as a complete answer', async () => {
    const gw = resilientGateway({ defaults: QUIET })
    await setInstanceFault('USERS', { mode: 'close' })
    const res = await gw.fetch('/api/v2/users/1')
    // Headers had already been sent by the origin; the gateway cannot take them back.
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
  })
})

describe('resilience config is validated at start-up', () => {
  it('rejects contradictory or unknown settings with one readable error', () => {
    expect(() => customGateway({ resilience: { defaults: { timeout: { perTryMs: 5000, deadlineMs: 1000 } } } })).toThrow(
      /perTryMs must not exceed deadlineMs/,
    )
    expect(() => customGateway({ resilience: { services: { users: { breaker: { windowSize: 5, minimumCalls: 10 } } } } })).toThrow(
      /minimumCalls must not exceed windowSize[\s\S]*resilience\.services\.users\.breaker/,
    )
    expect(() => customGateway({ resilience: { defaults: { retry: { maxAttempts: 0 } } } })).toThrow(/maxAttempts/)
    expect(() => customGateway({ resilience: { defaults: { breaker: { failureRatio: 1.5 } } } })).toThrow(/failureRatio/)
    expect(() => customGateway({ resilience: { defaults: { balance: { strategy: 'random' } } } } as never)).toThrow(/strategy/)
    expect(() => customGateway({ resilience: { defaults: { retries: 3 } } } as never)).toThrow(/retries/)
    expect(() => customGateway({ resilience: { services: { billing: {} } } })).toThrow(/resilience\.services\.billing names no configured service/)
  })
})
