import { env } from 'cloudflare:workers'
import { RegExpRouter } from 'hono/router/reg-exp-router'
import { describe, expect, it } from 'vitest'
import { createGateway } from '../app/gateway'
import { workersConfig } from '../src/config/deployment'
import { createLogger } from '../src/log'
import { customGateway, expectProblem, logCapture, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

describe('the access log names the endpoint of requests middleware answers', () => {
  it.each([
    ['401: no token', '/api/v2/users/1', null, 401, '/api/v2/users/:id'],
    ['403: a customer asks for the user list', '/api/v2/users', 'ada', 403, '/api/v2/users'],
    ['405', '/api/v2/users/1', 'grace', 405, '/api/v2/users/:id'],
    ['404', '/api/v2/nope', 'grace', 404, null],
  ] as const)('%s', async (_, path, user, status, route) => {
    const capture = logCapture()
    const gw = customGateway({}, { logger: createLogger({}, capture.sink) })
    const headers = user === null ? {} : await bearer(user)
    const res = await gw.fetch(path, { method: status === 405 ? 'DELETE' : 'GET', headers })
    expect(res.status).toBe(status)
    const access = capture.lines.filter((l) => l.msg === 'request')
    expect(access).toEqual([expect.objectContaining({ status, route })])
  })
})

describe('one 405 per path, from every table', () => {
  it.each([
    ['a versioned route', '/api/v2/orders', 'DELETE', 'GET, POST, HEAD'],
    ['a composite', '/api/v2/me/dashboard', 'POST', 'GET, HEAD'],
    ['a gateway route', '/health/live', 'POST', 'GET, HEAD'],
    ['an RPC procedure (side-effect free: GET too)', '/rpc/switchyard.inventory.v1.InventoryService/ListReservations', 'PUT', 'POST, GET, HEAD'],
  ])('%s', async (_, path, method, allow) => {
    const res = await customGateway().fetch(path, { method, headers: await bearer('grace') })
    expect(res.headers.get('allow')).toBe(allow)
    if (path.startsWith('/rpc/')) {
      // RPC callers get it in their protocol: Connect `unimplemented`.
      expect(((await res.json()) as { code: string }).code).toBe('unimplemented')
    } else {
      await expectProblem(res, 405)
    }
  })
})

describe('composites under service-scoped rate limits', () => {
  const rateLimit = {
    store: { kind: 'memory' as const },
    policies: [{ name: 'payments-calls', quota: 2, window: 600, scope: 'service' as const, match: { services: ['payments'] } }],
  }

  it('a composite that calls payments counts in the payments partition, as the proxied payments routes do', async () => {
    await resetOrigin('payments')
    const gw = customGateway({ rateLimit, caching: { enabled: false, coalesce: false } })
    const ada = await bearer('ada')
    const first = await gw.fetch('/api/v2/me/dashboard', { headers: ada })
    expect(first.status).toBe(200)
    expect(first.headers.get('ratelimit-policy')).toBe('"payments-calls";q=2;w=600')
    expect(first.headers.get('ratelimit')).toMatch(/^"payments-calls";r=1;t=\d+$/)
    expect((await gw.fetch('/api/v2/payments/users/1/methods', { headers: ada })).status).toBe(200)
    // The partition is spent: the composite and the proxied route alike are refused.
    const body = await expectProblem(await gw.fetch('/api/v2/me/dashboard', { headers: ada }), 429)
    expect(body['violated-policies']).toEqual(['payments-calls'])
    await expectProblem(await gw.fetch('/api/v2/payments/users/1/methods', { headers: ada }), 429)
    // Refused requests reach no origin: payments saw the two admitted calls only.
    expect((await originStats('payments')).requests).toBe(2)
    // A route of another service is not in the partition.
    expect((await gw.fetch('/api/v2/users/me', { headers: ada })).headers.get('ratelimit-policy')).toBeNull()
  })
})

describe('the router (src/app.ts)', () => {
  it('is the trie router from the first request on, since RegExpRouter refuses the tables', async () => {
    const bindings = env as unknown as Record<string, Fetcher | undefined>
    const app = createGateway(workersConfig(), { bindings: (name) => bindings[name] })
    expect((await app.fetch(new Request('http://gw.test/health/live'))).status).toBe(200)
    expect(app.router.name).toBe('TrieRouter')
    // What `new Hono()`'s SmartRouter would find on that first request before settling on it.
    const regExp = new RegExpRouter()
    expect(() => {
      for (const route of app.routes) regExp.add(route.method, route.path, route.handler)
      regExp.match('GET', '/health/live')
    }).toThrow(/\/api\/v1\/users\/:id/)
  })
})
