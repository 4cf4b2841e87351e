import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { workersConfig } from '../src/config/deployment'
import { parseConfig } from '../src/config/schema'
import { withCoalescing } from '../src/upstream/coalesce'
import { createRegistry } from '../src/upstream/registry'
import { bindingTransport } from '../src/upstream/transport'
import type { CallContext } from '../src/upstream/types'
import { originStats, resetOrigin, setFault } from './helpers'
import { eventually } from './resilience-helpers'
import { testGateway } from './support/gateway'

const gw = testGateway()
const times = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)))

beforeEach(async () => {
  await Promise.all([resetOrigin('orders'), resetOrigin('users'), resetOrigin('inventory')])
  // Long enough that all requests below are in flight at the same time.
  for (const service of ['orders', 'users', 'inventory'] as const) {
    await setFault(service, { mode: 'delay', delayMs: 200, paths: `/${service}` })
  }
})
afterEach(() => Promise.all([resetOrigin('orders'), resetOrigin('users'), resetOrigin('inventory')]))

describe('request coalescing through the gateway', () => {
  it('10 concurrent identical GETs of one caller → 1 origin call, 10 full answers', async () => {
    const responses = await times(10, () => gw.fetch('/api/v2/orders/1', { as: 'ada' }))
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id: number; items: unknown[] }>))
    expect(responses.every((r) => r.status === 200)).toBe(true)
    expect(bodies.every((b) => b.id === 1 && b.items.length === 2)).toBe(true)
    expect((await originStats('orders')).byPath['/orders/1']).toBe(1)
  })

  it('two different callers never share: 2 callers × 5 requests → 2 origin calls', async () => {
    await times(10, (i) => gw.fetch('/api/v2/orders/1', { as: i % 2 === 0 ? 'ada' : 'alan' }))
    expect((await originStats('orders')).byPath['/orders/1']).toBe(2)
  })

  it('on a public route, anonymous requests share, and a request with credentials shares with none of them', async () => {
    const path = '/api/v2/inventory?skus=SKU-RED-MUG'
    await Promise.all([...Array.from({ length: 3 }, () => gw.fetch(path)), gw.fetch(path, { as: 'ada' })])
    expect((await originStats('inventory')).byPath['/inventory']).toBe(2)
  })

  it('a different query is a different call', async () => {
    await Promise.all([
      gw.fetch('/api/v2/orders?user=1&limit=2', { as: 'ada' }),
      gw.fetch('/api/v2/orders?user=1&limit=3', { as: 'ada' }),
    ])
    expect((await originStats('orders')).byPath['/orders']).toBe(2)
  })

  it('conditional or range requests never share: each gets its own 304/206 or full answer', async () => {
    const path = '/api/v2/inventory?skus=SKU-RED-MUG'
    await Promise.all([
      gw.fetch(path),
      gw.fetch(path, { headers: { 'if-none-match': '"abc"' } }),
      gw.fetch(path, { headers: { range: 'bytes=0-3' } }),
    ])
    expect((await originStats('inventory')).byPath['/inventory']).toBe(3)
  })

  it('only concurrent calls share: one after another → one call each', async () => {
    await gw.fetch('/api/v2/orders/1', { as: 'ada' })
    await gw.fetch('/api/v2/orders/1', { as: 'ada' })
    expect((await originStats('orders')).byPath['/orders/1']).toBe(2)
  })

  it('never merges writes: 3 concurrent identical PATCHes → 3 calls', async () => {
    await times(3, () =>
      gw.fetch('/api/v2/users/me', {
        method: 'PATCH',
        as: 'alan',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Alan Turing' }),
      }),
    )
    expect((await originStats('users')).byPath['/users/3']).toBe(3)
  })

  it('can be turned off in config', async () => {
    const plain = testGateway({ caching: { coalesce: false } })
    await times(3, () => plain.fetch('/api/v2/orders/1', { as: 'ada' }))
    expect((await originStats('orders')).byPath['/orders/1']).toBe(3)
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
    await setFault('users', { mode: 'delay', delayMs: 1000, paths: '/users' })
    const leave = new AbortController()
    const gone = upstream(new Request('http://users.internal/users/2'), { ...ctx, signal: leave.signal })
    // The only waiter leaves once the call reached the origin, during its delay.
    expect(await eventually(async () => (await originStats('users')).byPath['/users/2'] === 1)).toBe(true)
    leave.abort()
    await expect(gone).rejects.toThrow()
    const res = await upstream(new Request('http://users.internal/users/2'), ctx)
    expect(res.status).toBe(200)
    expect((await originStats('users')).byPath['/users/2']).toBe(2)
  })

  /** The coalescer over the real origin, recording each Response the origin call returned. */
  const recorded = () => {
    const returned: Response[] = []
    const origin = bindingTransport(bindings.USERS!)
    const upstream = withCoalescing()(async (req, c) => {
      const res = await origin(req, c)
      returned.push(res)
      return res
    })
    return { upstream, returned }
  }

  it('a caller alone on its call gets the origin\'s Response itself, its body unread (streamed, not copied)', async () => {
    const { upstream, returned } = recorded()
    const res = await upstream(new Request('http://users.internal/users/2'), ctx)
    expect(returned).toHaveLength(1)
    expect(res).toBe(returned[0])
    expect(res.bodyUsed).toBe(false)
    expect(((await res.json()) as { name: string }).name).toBe('Grace Hopper')
  })

  it('with followers waiting as the answer arrives, everyone gets a copy of one call', async () => {
    await setFault('users', { mode: 'delay', delayMs: 100, paths: '/users' })
    const { upstream, returned } = recorded()
    const results = await times(3, () => upstream(new Request('http://users.internal/users/2'), ctx))
    expect(returned).toHaveLength(1)
    expect(results.some((r) => r === returned[0])).toBe(false)
    const names = await Promise.all(results.map(async (r) => ((await r.json()) as { name: string }).name))
    expect(names).toEqual(['Grace Hopper', 'Grace Hopper', 'Grace Hopper'])
    expect((await originStats('users')).byPath['/users/2']).toBe(1)
  })

  it('an origin failure reaches every waiter', async () => {
    await resetOrigin('users')
    await setFault('users', { mode: 'status', status: 500, paths: '/users', delayMs: 100 })
    const registry = createRegistry(parseConfig(workersConfig()), { bindings: (name) => bindings[name] })
    const upstream = registry.get('users')!
    const results = await times(3, () => upstream(new Request('http://users.internal/users/2'), ctx))
    expect(results.map((r) => r.status)).toEqual([500, 500, 500])
    expect((await originStats('users')).byPath['/users/2']).toBe(1)
  })
})
