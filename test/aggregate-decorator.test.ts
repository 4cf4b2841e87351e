import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { composite } from '../src/aggregate/composite'
import { compileComposite } from '../src/aggregate/compile'
import { applyMapping } from '../src/aggregate/mapping'
import type { CompositeSpec } from '../src/aggregate/types'
import { setIdentityHeaders } from '../src/auth/identity-headers'
import { workersConfig } from '../src/config/deployment'
import { parseConfig } from '../src/config/schema'
import { ProblemError } from '../wire/problem'
import { createRegistry } from '../src/upstream/registry'
import type { CallContext } from '../src/upstream/types'
import { originStats, resetOrigin, setFault, SERVICES } from './helpers'

// The decorator on its own, over the registry's real upstreams (real origin Workers).
const bindings = env as unknown as Record<string, Fetcher>
const registry = createRegistry(parseConfig(workersConfig()), { bindings: (name) => bindings[name] })
const ctx: CallContext = { service: 'composite', route: '/test', requestId: 'test', caller: '1', waitUntil: () => {} }

// The identity the gateway forwards (routes/aggregates.ts): Ada, or Grace (admin) to read others' data.
const ADA = { sub: '1', scopes: ['orders:read', 'payments:read'], roles: ['customer'], claims: {} }
const GRACE = { sub: '2', scopes: ['orders:read', 'payments:read'], roles: ['admin'], claims: {} }

async function call(spec: CompositeSpec, params: Record<string, string> = {}, identity = ADA) {
  const upstream = composite(spec, registry)
  const headers = new Headers()
  setIdentityHeaders(headers, identity)
  try {
    return { response: await upstream(new Request('http://gateway.test/x', { headers }), { ...ctx, caller: identity.sub, params }) }
  } catch (err) {
    if (err instanceof ProblemError) return { problem: err.problem }
    throw err
  }
}

const threeParts = (mode: CompositeSpec['mode']): CompositeSpec => ({
  path: '/test',
  mode,
  deadlineMs: 2000,
  parts: {
    user: { service: 'users', path: '/users/{sub}', timeoutMs: 500 },
    orders: { service: 'orders', path: '/orders?user={sub}', map: { select: 'data' }, timeoutMs: 500 },
    methods: { service: 'payments', path: '/payments/users/{sub}/methods', map: { select: 'data' }, timeoutMs: 500 },
  },
})

beforeEach(async () => {
  await Promise.all(SERVICES.map(resetOrigin))
})
afterEach(async () => {
  await Promise.all(SERVICES.map(resetOrigin))
})

describe('all-or-nothing mode', () => {
  it('every part answered → 200, complete', async () => {
    const { response } = await call(threeParts('all-or-nothing'))
    expect(response!.status).toBe(200)
    expect(response!.headers.get('switchyard-complete')).toBe('true')
    const body = (await response!.json()) as Record<string, unknown[]>
    expect(body.orders).toHaveLength(3)
  })

  it('any failed part (none required) → 502 naming it', async () => {
    await setFault('payments', { mode: 'status', status: 503, paths: '/payments' })
    const { problem } = await call(threeParts('all-or-nothing'))
    expect(problem).toMatchObject({ status: 502, part: 'methods', service: 'payments', mode: 'all-or-nothing' })
    expect(problem!.detail).toContain('Part "methods" (payments) failed')
  })

  it('any timed-out part → 504', async () => {
    await setFault('orders', { mode: 'hang', paths: '/orders' })
    const { problem } = await call(threeParts('all-or-nothing'))
    expect(problem).toMatchObject({ status: 504, part: 'orders', title: 'Gateway Timeout' })
  })

  it('fails fast: the first failure cancels parts still running, which are not reported as failures', async () => {
    await setFault('users', { mode: 'status', status: 500, paths: '/users' })
    await setFault('orders', { mode: 'hang', paths: '/orders' })
    const { problem } = await call(threeParts('all-or-nothing'))
    expect(problem).toMatchObject({ status: 502, part: 'user' })
    expect(Object.keys(problem!.errors as object)).toEqual(['user'])
  })

  it('the same failure in partial mode is a 200 with errors', async () => {
    await setFault('payments', { mode: 'status', status: 503, paths: '/payments' })
    const { response } = await call(threeParts('partial'))
    expect(response!.status).toBe(200)
    expect(response!.headers.get('switchyard-complete')).toBe('false')
  })
})

describe('services', () => {
  it('a part whose service is not configured fails like a proxied route would (502), optional or not', async () => {
    const spec: CompositeSpec = {
      path: '/x',
      parts: { user: { service: 'users', path: '/users/{sub}' }, extra: { service: 'loyalty', path: '/points/{sub}' } },
    }
    const { response } = await call(spec)
    const body = (await response!.json()) as { user: { id: number }; extra: null; errors: Record<string, { status: number; detail: string }> }
    expect(body.user.id).toBe(1)
    expect(body.errors.extra).toMatchObject({ status: 502, detail: 'The loyalty service is not configured.' })
  })
})

describe('stages', () => {
  const chained: CompositeSpec = {
    path: '/orders/:id/x',
    parts: {
      order: { service: 'orders', path: '/orders/{id}' },
      buyer: { service: 'users', path: '/users/{order.user_id}' },
      stock: { service: 'inventory', path: '/inventory?skus={order.items.sku}', map: { select: 'data' } },
      methods: { service: 'payments', path: '/payments/users/{buyer.id}/methods', map: { select: 'data', pick: ['id'] } },
    },
  }

  it('orders parts by what they read: three stages here', () => {
    const compiled = compileComposite(chained)
    expect(compiled.stages.map((s) => s.map((p) => p.name))).toEqual([['order'], ['buyer', 'stock'], ['methods']])
  })

  it('fills later stages from earlier results', async () => {
    const { response } = await call(chained, { id: '4' }, GRACE)
    const body = (await response!.json()) as Record<string, { id?: number; name?: string }[] & { name?: string }>
    expect(body.buyer!.name).toBe('Grace Hopper')
    expect(body.methods).toEqual([{ id: 3 }])
  })

  it('a failed optional part skips its dependants (424, not called) but not the others', async () => {
    await setFault('users', { mode: 'status', status: 503, paths: '/users' })
    const { response } = await call(chained, { id: '4' }, GRACE)
    const body = (await response!.json()) as { stock: unknown[]; methods: null; errors: Record<string, Record<string, unknown>> }
    expect(body.stock).toHaveLength(1)
    expect(body.methods).toBeNull()
    expect(body.errors.methods).toMatchObject({ status: 424, depends_on: 'buyer', type: expect.stringContaining('part-dependency-failed') })
    expect((await originStats('payments')).requests).toBe(0)
  })

  it('a required part skipped for a failed dependency → 502 naming it, the dependency’s own failure in errors', async () => {
    await setFault('orders', { mode: 'status', status: 503, paths: '/orders' })
    const spec: CompositeSpec = {
      ...chained,
      parts: { ...chained.parts, order: { ...chained.parts.order!, required: false }, stock: { ...chained.parts.stock!, required: true } },
    }
    const { problem } = await call(spec, { id: '4' }, GRACE)
    // stock is required and failed (424) because order failed; order's own 503 is in errors
    expect(problem).toMatchObject({ status: 502, part: 'stock' })
    expect((problem!.errors as Record<string, { status: number }>).order!.status).toBe(503)
  })
})

describe('composite tables are checked at start-up', () => {
  const bad: [string, CompositeSpec][] = [
    ['no parts', { path: '/x', parts: {} }],
    ['unknown placeholder', { path: '/x', parts: { a: { service: 'users', path: '/users/{who}' } } }],
    ['reserved name', { path: '/x', parts: { errors: { service: 'users', path: '/users' } } }],
    ['self reference', { path: '/x', parts: { a: { service: 'users', path: '/users/{a.id}' } } }],
    [
      'cycle',
      {
        path: '/x',
        parts: { a: { service: 'users', path: '/users/{b.id}' }, b: { service: 'users', path: '/users/{a.id}' } },
      },
    ],
    ['unbalanced braces', { path: '/x', parts: { a: { service: 'users', path: '/users/{sub' } } }],
    ['relative path', { path: '/x', parts: { a: { service: 'users', path: 'users' } } }],
    ['bad timeout', { path: '/x', parts: { a: { service: 'users', path: '/users', timeoutMs: 0 } } }],
  ]
  it.each(bad)('rejects: %s', (_, spec) => {
    expect(() => compileComposite(spec)).toThrow(/^composite \/x: /)
  })
})

describe('mapping (KrakenD target / allow / mapping)', () => {
  it('selects, picks and renames, per item of a list', () => {
    const body = { data: [{ id: 1, total_cents: 5, user_id: 9 }, { id: 2, total_cents: 7 }], next_cursor: null }
    expect(applyMapping(body, { select: 'data', pick: ['id', 'total_cents'], rename: { total_cents: 'total' } })).toEqual([
      { id: 1, total: 5 },
      { id: 2, total: 7 },
    ])
  })

  it('a missing select target is null', () => {
    expect(applyMapping({ a: 1 }, { select: 'b.c' })).toBeNull()
  })
})
