import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem } from './helpers'
import { callsTo, eventually, patch, QUIET, resetInstances, resilientGateway, setInstanceFault, wait } from './resilience-helpers'

beforeEach(() => resetInstances('USERS', 'USERS_B'))

/** The users service as two real Worker instances, each with its own fault state. */
const twoUsers = { users: { bindings: ['USERS', 'USERS_B'] } }

interface Ready {
  dependencies: Record<string, { ejected: string[]; instances: { id: string; ejected: boolean; times_ejected: number }[] }>
}

const ejection = (strategy: 'p2c' | 'round-robin', e: Record<string, number> = {}) =>
  patch(QUIET, { balance: { strategy, ejection: { consecutiveFailures: 3, baseMs: 30_000, maxPercent: 50, ...e } } })

describe('load balancing over several instances', () => {
  it('round-robin alternates between instances', async () => {
    const gw = resilientGateway({ services: twoUsers, defaults: ejection('round-robin') })
    for (let i = 0; i < 10; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS')).toBe(5)
    expect(await callsTo('USERS_B')).toBe(5)
  })

  it('power of two choices sends new calls to the instance with fewer outstanding', async () => {
    // USERS_B's delay outlasts the rest of the test on a loaded machine; the timeout outlasts the delay.
    const gw = resilientGateway({ services: twoUsers, defaults: patch(ejection('p2c'), { timeout: { perTryMs: 8000, deadlineMs: 10_000 } }) })
    await setInstanceFault('USERS_B', { mode: 'delay', delayMs: 5000 })
    // A burst splits between the idle instances; USERS answers at once, USERS_B holds its share.
    const burst = Array.from({ length: 6 }, () => gw.fetch('/api/v2/users/1'))
    expect(await eventually(async () => (await callsTo('USERS')) + (await callsTo('USERS_B')) === 6, 4000)).toBe(true)
    const slowShare = await callsTo('USERS_B')
    expect(slowShare).toBeGreaterThan(0)
    // While USERS_B is busy, every new call goes to USERS.
    for (let i = 0; i < 8; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS_B')).toBe(slowShare)
    expect(await callsTo('USERS')).toBe(6 - slowShare + 8)
    for (const res of await Promise.all(burst)) expect(res.status).toBe(200)
  })

  it('ejects an instance that fails repeatedly: it gets no traffic while the other serves', async () => {
    const gw = resilientGateway({ services: twoUsers, defaults: ejection('round-robin') })
    await setInstanceFault('USERS_B', { mode: 'status', status: 503 })
    // Round-robin: USERS_B gets every second call and fails; its third failure ejects it.
    for (let i = 0; i < 6; i++) await gw.fetch('/api/v2/users/1')
    expect(await callsTo('USERS_B')).toBe(3)
    for (let i = 0; i < 10; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS_B')).toBe(3)
    expect(await callsTo('USERS')).toBe(13)

    const ready = (await (await gw.fetch('/health/ready')).json()) as Ready
    expect(ready.dependencies.users!.ejected).toEqual(['USERS_B'])
    expect(ready.dependencies.users!.instances).toMatchObject([
      { id: 'USERS', ejected: false },
      { id: 'USERS_B', ejected: true, times_ejected: 1 },
    ])
    expect(gw.logs.find((l) => l.msg === 'upstream instance ejected')).toMatchObject({ service: 'users', instance: 'USERS_B', for_ms: 30_000 })
  })

  it('retries land on the healthy instance once the failing one is ejected', async () => {
    const gw = resilientGateway({
      services: twoUsers,
      defaults: patch(ejection('round-robin', { consecutiveFailures: 1 }), {
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, budget: { minRetries: 100 } },
      }),
    })
    await setInstanceFault('USERS_B', { mode: 'status', status: 503 })
    for (let i = 0; i < 6; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS_B')).toBe(1)
  })

  it('an ejected instance comes back after its ejection time', async () => {
    // The ejection outlasts the first four calls even when the machine is slow.
    const gw = resilientGateway({ services: twoUsers, defaults: ejection('round-robin', { consecutiveFailures: 1, baseMs: 1500 }) })
    await setInstanceFault('USERS_B', { mode: 'status', status: 503, times: 1 })
    for (let i = 0; i < 4; i++) await gw.fetch('/api/v2/users/1')
    expect(await callsTo('USERS_B')).toBe(1)
    await wait(1600)
    for (let i = 0; i < 4; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    expect(await callsTo('USERS_B')).toBe(3)
  })

  it('never ejects every instance: with both failing, one stays in the pool', async () => {
    const gw = resilientGateway({ services: twoUsers, defaults: ejection('round-robin', { consecutiveFailures: 1, maxPercent: 100 }) })
    await setInstanceFault('USERS', { mode: 'status', status: 503 })
    await setInstanceFault('USERS_B', { mode: 'status', status: 503 })
    for (let i = 0; i < 6; i++) await expectProblem(await gw.fetch('/api/v2/users/1'), 503)
    const ready = (await (await gw.fetch('/health/ready')).json()) as Ready
    expect(ready.dependencies.users!.ejected).toHaveLength(1)
    expect((await callsTo('USERS')) + (await callsTo('USERS_B'))).toBe(6)
  })

  it('mixes a dead URL instance with a binding: the dead one is ejected, calls succeed', async () => {
    const gw = resilientGateway({
      services: { users: { bindings: ['USERS'], urls: ['http://127.0.0.1:9'] } },
      defaults: patch(ejection('round-robin', { consecutiveFailures: 1 }), {
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, budget: { minRetries: 100 } },
      }),
    })
    for (let i = 0; i < 5; i++) expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
    const ready = (await (await gw.fetch('/health/ready')).json()) as Ready
    expect(ready.dependencies.users!.ejected).toEqual(['http://127.0.0.1:9'])
  })
})
