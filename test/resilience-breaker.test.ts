import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { callsTo, patch, QUIET, resetInstances, resilientGateway, setInstanceFault, wait } from './resilience-helpers'

beforeEach(() => resetInstances('USERS'))

interface Ready {
  dependencies: Record<string, { status: string; breaker: { state: string; open_for_ms?: number; retry_after_ms?: number } }>
  failing?: string[]
}

const usersOnly = { users: { bindings: ['USERS'] } }
const breaker = (b: NonNullable<typeof QUIET.breaker>) => patch(QUIET, { breaker: { ...QUIET.breaker, ...b } })

describe('circuit breaker', () => {
  it('opens exactly at N consecutive failures, then answers 503 + Retry-After without calling the origin', async () => {
    const gw = resilientGateway({ services: usersOnly, defaults: breaker({ consecutiveFailures: 3, openMs: 30_000 }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    for (let i = 0; i < 2; i++) await expectProblem(await gw.fetch('/api/v2/users/1'), 503)
    // Still closed after two: the third call reaches the origin and trips the breaker.
    const third = await gw.fetch('/api/v2/users/1')
    expect(((await third.json()) as { type: string }).type).toContain('injected-fault')
    expect(await callsTo('USERS')).toBe(3)

    for (let i = 0; i < 5; i++) {
      const res = await gw.fetch('/api/v2/users/1')
      const body = await expectProblem(res, 503)
      expect(body.type).toBe('https://switchyard.example/problems#circuit-open')
      expect(body.service).toBe('users')
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(30)
    }
    // Counted at the origin: nothing got through while open.
    expect(await callsTo('USERS')).toBe(3)
  })

  it('4xx answers are not failures', async () => {
    const gw = resilientGateway({ services: usersOnly, defaults: breaker({ consecutiveFailures: 2 }) })
    for (let i = 0; i < 5; i++) await expectProblem(await gw.fetch('/api/v2/users/999999'), 404)
    await setInstanceFault('USERS', { mode: 'status', status: 429 })
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(429)
    expect(await callsTo('USERS')).toBe(8)
  })

  it('opens on a failure ratio over the window once the minimum count is reached', async () => {
    const gw = resilientGateway({
      services: usersOnly,
      defaults: breaker({ consecutiveFailures: 100, failureRatio: 0.5, windowSize: 10, minimumCalls: 6, openMs: 30_000 }),
    })
    for (let i = 0; i < 2; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    await setInstanceFault('USERS', { mode: 'status', status: 500 })
    // Calls 3–5 fail: 3 of 5 is over half, but 5 calls are under the minimum of 6.
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(500)
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(500) // 6th call: 4 of 6 failed → opens
    const open = await gw.fetch('/api/v2/users/1')
    expect((await expectProblem(open, 503)).type).toContain('circuit-open')
    expect(await callsTo('USERS')).toBe(6)
  })

  it('half-open: after the open period one probe goes through; its success closes the breaker', async () => {
    const gw = resilientGateway({ services: usersOnly, defaults: breaker({ consecutiveFailures: 2, openMs: 300 }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    for (let i = 0; i < 2; i++) await gw.fetch('/api/v2/users/1')
    await expectProblem(await gw.fetch('/api/v2/users/1'), 503)
    await setInstanceFault('USERS', { mode: 'none' })
    await wait(400)
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS')).toBe(6)
    const states = gw.logs.filter((l) => l.msg === 'circuit breaker state change').map((l) => `${l.from}->${l.to}`)
    expect(states).toEqual(['closed->open', 'open->half-open', 'half-open->closed'])
    for (const line of gw.logs.filter((l) => l.msg === 'circuit breaker state change')) {
      expect(line).toMatchObject({ service: 'users' })
      expect(typeof line.request_id).toBe('string')
    }
  })

  it('half-open admits only the configured number of probes; the others still fail fast', async () => {
    const gw = resilientGateway({ services: usersOnly, defaults: breaker({ consecutiveFailures: 1, openMs: 200, halfOpenProbes: 1 }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    await gw.fetch('/api/v2/users/1')
    await setInstanceFault('USERS', { mode: 'delay', delayMs: 400 })
    await wait(300)
    const [probe, ...others] = await Promise.all(Array.from({ length: 4 }, () => gw.fetch('/api/v2/users/1')))
    expect(probe!.status).toBe(200)
    for (const res of others) expect((await expectProblem(res, 503)).type).toContain('circuit-open')
    expect(await callsTo('USERS')).toBe(2)
  })

  it('a failed probe re-opens it for longer each time, up to the cap', async () => {
    const gw = resilientGateway({ services: usersOnly, defaults: breaker({ consecutiveFailures: 1, openMs: 200, maxOpenMs: 500 }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    const openFor = async () => {
      const ready = (await (await gw.fetch('/health/ready')).json()) as Ready
      return ready.dependencies.users!.breaker.open_for_ms
    }
    await gw.fetch('/api/v2/users/1')
    expect(await openFor()).toBe(200)
    const periods: (number | undefined)[] = []
    for (const waitMs of [250, 450, 550]) {
      await wait(waitMs)
      expect((await gw.fetch('/api/v2/users/1')).status).toBe(503) // the probe, failing
      periods.push(await openFor())
    }
    expect(periods).toEqual([400, 500, 500])
    expect(await callsTo('USERS')).toBe(4)
  })
})

describe('readiness shows breakers', () => {
  it('an open breaker on a required service makes /health/ready 503, naming it, until it closes', async () => {
    const gw = resilientGateway({
      services: { users: { bindings: ['USERS'] }, orders: { bindings: ['ORDERS'] } },
      defaults: breaker({ consecutiveFailures: 2, openMs: 300 }),
    })
    const before = (await (await gw.fetch('/health/ready')).json()) as Ready
    expect(before.dependencies.users!.breaker.state).toBe('closed')

    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    for (let i = 0; i < 2; i++) await gw.fetch('/api/v2/users/1')
    const res = await gw.fetch('/health/ready')
    const body = (await expectProblem(res, 503)) as unknown as Ready
    expect(body.failing).toEqual(['users'])
    expect(body.dependencies.users).toMatchObject({ status: 'down', breaker: { state: 'open', open_for_ms: 300 } })
    expect(body.dependencies.orders).toMatchObject({ status: 'ok', breaker: { state: 'closed' } })

    await setInstanceFault('USERS', { mode: 'none' })
    await wait(400)
    // Past its open period the breaker is reported half-open (ready), before any traffic.
    const pending = (await (await gw.fetch('/health/ready')).json()) as Ready
    expect(pending.dependencies.users!.breaker.state).toBe('half-open')
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    const after = await gw.fetch('/health/ready')
    expect(after.status).toBe(200)
    expect(((await after.json()) as Ready).dependencies.users!.breaker.state).toBe('closed')
  })

  it('an open breaker on an optional service leaves readiness at 200', async () => {
    const gw = resilientGateway({
      services: { users: { bindings: ['USERS'], required: false }, orders: { bindings: ['ORDERS'] } },
      defaults: breaker({ consecutiveFailures: 1, openMs: 30_000 }),
    })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    await gw.fetch('/api/v2/users/1')
    const res = await gw.fetch('/health/ready')
    expect(res.status).toBe(200)
    expect(((await res.json()) as Ready).dependencies.users).toMatchObject({ status: 'down', breaker: { state: 'open' } })
  })
})
