import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { workersConfig } from '../src/config/deployment'
import { parseConfig } from '../src/config/schema'
import { withCoalescing } from '../src/upstream/coalesce'
import { createRegistry } from '../src/upstream/registry'
import { bindingTransport } from '../src/upstream/transport'
import type { CallContext } from '../src/upstream/types'
import { originStats, resetOrigin, setFault } from './helpers'
import { callerGateway } from './support/caller-gateway'

const gw = callerGateway()
const times = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)))

beforeEach(async () => {
  await resetOrigin('users')
  // Long enough that all requests below are in flight at the same time.
  await setFault('users', { mode: 'delay', delayMs: 200, paths: '/users' })
})
afterEach(() => resetOrigin('users'))

describe('request coalescing through the gateway', () => {
  it('10 concurrent identical GETs of one caller → 1 origin call, 10 full answers', async () => {
    const responses = await times(10, () => gw.fetch('/api/v2/users/1', { caller: '7' }))
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ name: string }>))
    expect(responses.every((r) => r.status === 200)).toBe(true)
    expect(bodies.every((b) => b.name === 'Ada Lovelace')).toBe(true)
    expect((await originStats('users')).byPath['/users/1']).toBe(1)
  })

  it('two different callers never share: 2 callers × 5 requests → 2 origin calls', async () => {
    await times(10, (i) => gw.fetch('/api/v2/users/1', { caller: i % 2 === 0 ? '7' : '8' }))
    expect((await originStats('users')).byPath['/users/1']).toBe(2)
  })

  it('anonymous requests with different credentials do not share either', async () => {
    await times(4, (i) => gw.fetch('/api/v2/users/1', { headers: { authorization: `Bearer token-${i % 2}` } }))
    expect((await originStats('users')).byPath['/users/1']).toBe(2)
  })

  it('a different query is a different call', async () => {
    await Promise.all([gw.fetch('/api/v2/users?limit=2', { caller: '7' }), gw.fetch('/api/v2/users?limit=3', { caller: '7' })])
    expect((await originStats('users')).byPath['/users']).toBe(2)
  })

  it('only concurrent calls share: one after another → one call each', async () => {
    await gw.fetch('/api/v2/users/1', { caller: '7' })
    await gw.fetch('/api/v2/users/1', { caller: '7' })
    expect((await originStats('users')).byPath['/users/1']).toBe(2)
  })

  it('never merges writes: 3 concurrent identical PATCHes → 3 calls', async () => {
    await times(3, () =>
      gw.fetch('/api/v2/users/3', {
        method: 'PATCH',
        caller: '7',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Alan Turing' }),
      }),
    )
    expect((await originStats('users')).byPath['/users/3']).toBe(3)
  })

  it('can be turned off in config', async () => {
    const plain = callerGateway({ caching: { coalesce: false } })
    await times(3, () => plain.fetch('/api/v2/users/1', { caller: '7' }))
    expect((await originStats('users')).byPath['/users/1']).toBe(3)
  })
})

describe('withCoalescing: waiters leave on their own', () => {
  const bindings = env as unknown as Record<string, Fetcher>
  const ctx: CallContext = { service: 'users', route: '/t', requestId: 't', waitUntil: () => {} }
  const users = () => withCoalescing()(bindingTransport(bindings.USERS!))

  it('one waiter timing out does not cut off the other, which gets the shared answer', async () => {
    const upstream = users()
    const impatient = upstream(new Request('http://users.internal/users/2'), { ...ctx, signal: AbortSignal.timeout(50) })
    const patient = upstream(new Request('http://users.internal/users/2'), ctx)
    await expect(impatient).rejects.toThrow()
    const res = await patient
    expect(res.status).toBe(200)
    expect(((await res.json()) as { name: string }).name).toBe('Grace Hopper')
    expect((await originStats('users')).byPath['/users/2']).toBe(1)
  })

  it('when every waiter has left, the shared call is aborted (a new call starts afresh)', async () => {
    const upstream = users()
    const gone = upstream(new Request('http://users.internal/users/2'), { ...ctx, signal: AbortSignal.timeout(20) })
    await expect(gone).rejects.toThrow()
    const res = await upstream(new Request('http://users.internal/users/2'), ctx)
    expect(res.status).toBe(200)
    expect((await originStats('users')).byPath['/users/2']).toBe(2)
  })

  it('an origin failure reaches every waiter', async () => {
    await setFault('users', { mode: 'status', status: 500, paths: '/users', delayMs: 100 })
    const registry = createRegistry(parseConfig(workersConfig()), { bindings: (name) => bindings[name] })
    const upstream = registry.get('users')!
    const results = await times(3, () => upstream(new Request('http://users.internal/users/2'), ctx))
    expect(results.map((r) => r.status)).toEqual([500, 500, 500])
    expect((await originStats('users')).byPath['/users/2']).toBe(1)
  })
})
