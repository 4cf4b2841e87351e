import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectProblem, originStats, resetOrigin, setFault, SERVICES } from './helpers'
import { testGateway } from './support/gateway'
import { claimsFor, signToken, type DevUser } from './tokens'

interface Dashboard {
  profile: { id: number; name: string; email: string; role: string } | null
  orders: { id: number; status: string; total_cents: number }[] | null
  payment_methods: { id: number; brand: string; is_default: boolean }[] | null
  errors?: Record<string, { type: string; status: number; part: string; service: string; detail: string }>
}

const gw = testGateway()
const dashboard = (as: DevUser | { token: string } = 'ada') => gw.fetch('/api/v2/me/dashboard', { as })
/** A validly signed token for a subject no seeded account has. */
const tokenWithSub = async (sub: string) => ({ token: await signToken({ ...claimsFor('ada'), sub }) })

beforeEach(async () => {
  await Promise.all(SERVICES.map(resetOrigin))
})
afterEach(async () => {
  await Promise.all(SERVICES.map(resetOrigin))
})

describe('GET /api/v2/me/dashboard', () => {
  it("merges the caller's profile, recent orders and payment methods, mapped", async () => {
    const res = await dashboard('ada')
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('true')
    expect(res.headers.get('cache-control')).toContain('no-store')
    const body = (await res.json()) as Dashboard
    expect(body.profile).toEqual({ id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'customer' })
    expect(body.orders!.map((o) => o.id)).toEqual([1, 2, 3])
    // pick: only the listed fields survive
    expect(Object.keys(body.orders![0]!).sort()).toEqual(['created_at', 'currency', 'id', 'status', 'total_cents'])
    expect(body.payment_methods!.map((m) => m.brand)).toEqual(['visa', 'mastercard'])
    expect(body.errors).toBeUndefined()
    // each part went to its own origin with the caller filled in
    expect((await originStats('users')).byPath['/users/1']).toBe(1)
    expect((await originStats('orders')).byPath['/orders']).toBe(1)
    expect((await originStats('payments')).byPath['/payments/users/1/methods']).toBe(1)
  })

  it('answers for the caller only: another caller gets their own data', async () => {
    const body = (await (await dashboard('grace')).json()) as Dashboard
    expect(body.profile!.name).toBe('Grace Hopper')
    expect(body.orders!.map((o) => o.id)).toEqual([4])
  })

  it('a slow optional part past its timeout → 200 with the others, null, errors and Switchyard-Complete: false', async () => {
    await setFault('payments', { mode: 'delay', delayMs: 5000, paths: '/payments' })
    const res = await dashboard()
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('false')
    const body = (await res.json()) as Dashboard
    expect(body.profile!.id).toBe(1)
    expect(body.orders).toHaveLength(3)
    expect(body.payment_methods).toBeNull()
    expect(body.errors).toEqual({
      payment_methods: expect.objectContaining({
        type: 'https://switchyard.example/problems#part-timeout',
        title: 'Part timed out',
        status: 504,
        part: 'payment_methods',
        service: 'payments',
        detail: 'No answer from the payments service within 1000 ms.',
      }),
    })
  })

  it('a failing optional part → its problem in errors, with the status the origin answered', async () => {
    await setFault('orders', { mode: 'status', status: 503, paths: '/orders' })
    const res = await dashboard()
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('false')
    const body = (await res.json()) as Dashboard
    expect(body.orders).toBeNull()
    expect(body.payment_methods).toHaveLength(2)
    expect(body.errors!.orders).toMatchObject({ status: 503, upstream_status: 503, part: 'orders', service: 'orders' })
  })

  it('a dropped connection mid-body is a failed part, not a 500', async () => {
    await setFault('payments', { mode: 'close', paths: '/payments' })
    const res = await dashboard()
    expect(res.status).toBe(200)
    const body = (await res.json()) as Dashboard
    expect(body.errors!.payment_methods).toMatchObject({ status: 502, part: 'payment_methods' })
  })

  it('a required part down → 502 problem+json naming it, with every failed part listed', async () => {
    await setFault('users', { mode: 'status', status: 503, paths: '/users' })
    await setFault('payments', { mode: 'status', status: 500, paths: '/payments' })
    const problem = await expectProblem(await dashboard(), 502)
    expect(problem).toMatchObject({
      type: 'https://switchyard.example/problems#composite-failed',
      title: 'Bad Gateway',
      part: 'profile',
      service: 'users',
      mode: 'partial',
    })
    expect(problem.detail).toContain('Required part "profile" (users) failed')
    const errors = problem.errors as Record<string, { status: number }>
    expect(errors.profile!.status).toBe(503)
  })

  it('a required part that does not answer in time → 504 problem+json', async () => {
    await setFault('users', { mode: 'hang', paths: '/users' })
    const problem = await expectProblem(await dashboard(), 504)
    expect(problem).toMatchObject({ title: 'Gateway Timeout', part: 'profile', service: 'users' })
  })

  it('an unknown caller is the origin’s 404, passed on as such (not a 502)', async () => {
    const problem = await expectProblem(await dashboard(await tokenWithSub('999999')), 404)
    expect(problem.part).toBe('profile')
  })

  it('percent-encodes template values: an odd subject stays inside its path segment', async () => {
    const problem = await expectProblem(await dashboard(await tokenWithSub('1@x:2+y')), 400)
    expect(problem.part).toBe('profile')
    expect(Object.keys((await originStats('users')).byPath)).toEqual(['/users/1%40x%3A2%2By'])
  })

  it('refuses a subject of ".." rather than let URL parsing resolve it: the part is never called', async () => {
    const problem = await expectProblem(await dashboard(await tokenWithSub('..')), 502)
    expect((problem.errors as Record<string, { status: number }>).profile!.status).toBe(424)
    expect((await originStats('users')).requests).toBe(0)
  })

  it('without a token → 401 problem+json with WWW-Authenticate, and no origin is called', async () => {
    const res = await gw.fetch('/api/v2/me/dashboard')
    await expectProblem(res, 401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
    expect((await originStats('users')).requests).toBe(0)
  })

  it('a token without the scopes the composite declares → 403', async () => {
    const token = await signToken({ ...claimsFor('ada'), scope: 'orders:read' })
    await expectProblem(await dashboard({ token }), 403)
  })

  it('every part gets the verified caller’s identity headers, never a client-sent one', async () => {
    await (await gw.fetch('/api/v2/me/dashboard', { as: 'ada', headers: { 'x-switchyard-subject': '2' } })).text()
    expect((await originStats('payments')).lastHeaders['x-switchyard-subject']).toBe('1')
  })

  it('conditional and range headers meant for the composite never reach the parts', async () => {
    const res = await gw.fetch('/api/v2/me/dashboard', {
      as: 'ada',
      headers: { 'if-none-match': '"x"', range: 'bytes=0-1', accept: 'text/html' },
    })
    expect(res.headers.get('switchyard-complete')).toBe('true')
    const seen = (await originStats('payments')).lastHeaders
    expect(seen['if-none-match']).toBeUndefined()
    expect(seen.range).toBeUndefined()
    expect(seen.accept).toBe('application/json')
    expect(seen['x-request-id']).toBe(res.headers.get('x-request-id'))
  })

  it('other methods → 405 with Allow', async () => {
    const res = await gw.fetch('/api/v2/me/dashboard', { method: 'POST', as: 'ada' })
    await expectProblem(res, 405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })
})

describe('resilience per part (the registry’s retries and breakers)', () => {
  it('a part whose first attempt fails with 503 is retried, and the composite is complete', async () => {
    await setFault('payments', { mode: 'status', status: 503, paths: '/payments', times: 1 })
    const res = await dashboard()
    expect(res.headers.get('switchyard-complete')).toBe('true')
    expect((await originStats('payments')).byPath['/payments/users/1/methods']).toBe(2)
  })

  it('an open breaker fails its part at once (503 circuit-open), with no origin call', async () => {
    const own = testGateway() // a breaker of its own
    await setFault('payments', { mode: 'status', status: 500, paths: '/payments' })
    for (let i = 0; i < 5; i++) await (await own.fetch('/api/v2/me/dashboard', { as: 'ada' })).text()
    const calls = (await originStats('payments')).requests
    const res = await own.fetch('/api/v2/me/dashboard', { as: 'ada' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Dashboard
    expect(body.errors!.payment_methods).toMatchObject({
      status: 503,
      type: 'https://switchyard.example/problems#circuit-open',
      part: 'payment_methods',
    })
    expect(body.profile!.id).toBe(1)
    expect((await originStats('payments')).requests).toBe(calls)
  })
})

interface Details {
  order: { id: number; items: { sku: string }[] } | null
  payment: { id: number; status: string }[] | null
  stock: { sku: string; name: string; available: number }[] | null
  errors?: Record<string, { status: number; type: string; depends_on?: string }>
}

describe('GET /api/v2/orders/{id}/details (a second stage)', () => {
  it('fetches the order, then the stock of its SKUs; payment status in parallel', async () => {
    const res = await gw.fetch('/api/v2/orders/1/details', { as: 'ada' })
    expect(res.status).toBe(200)
    expect(res.headers.get('switchyard-complete')).toBe('true')
    const body = (await res.json()) as Details
    expect(body.order!.id).toBe(1)
    expect(body.payment).toEqual([expect.objectContaining({ id: 1, status: 'succeeded' })])
    // the stage-two call was built from the stage-one result
    expect(body.stock!.map((s) => s.sku).sort()).toEqual(['SKU-BLUE-CAP', 'SKU-RED-MUG'])
    expect(Object.keys(body.stock![0]!).sort()).toEqual(['available', 'name', 'sku'])
    const inventory = await originStats('inventory')
    expect(inventory.byPath['/inventory']).toBe(1)
  })

  it('a failing stage-two part → null with its problem; the order is still answered', async () => {
    await setFault('inventory', { mode: 'status', status: 500, paths: '/inventory' })
    const body = (await (await gw.fetch('/api/v2/orders/2/details', { as: 'ada' })).json()) as Details
    expect(body.stock).toBeNull()
    expect(body.errors!.stock!.status).toBe(500)
    expect(body.order!.id).toBe(2)
  })

  it('an unknown order → 404, and the stage-two part is never called', async () => {
    const problem = await expectProblem(await gw.fetch('/api/v2/orders/424242/details', { as: 'ada' }), 404)
    expect(problem).toMatchObject({ part: 'order', service: 'orders' })
    expect((await originStats('inventory')).requests).toBe(0)
  })

  it('an invalid id is the origin’s 400, as problem+json', async () => {
    await expectProblem(await gw.fetch('/api/v2/orders/abc/details', { as: 'ada' }), 400)
  })
})
