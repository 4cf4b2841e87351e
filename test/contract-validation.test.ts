import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem, gateway as anonymousGateway, originStats, resetOrigin } from './helpers'
import { callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)

const post = (path: string, body: string, contentType = 'application/json', method = 'POST') =>
  gateway(path, { method, headers: { 'content-type': contentType }, body })

interface Issue {
  in: string
  pointer: string
  detail: string
  code: string
}

async function expectInvalid(res: Response): Promise<Issue[]> {
  const body = await expectProblem(res, 400)
  expect(body.type).toBe('https://switchyard.example/problems#validation-error')
  expect(body.detail).toContain('the origin was not called')
  return body.errors as Issue[]
}

describe('the gateway validates declared inputs before calling the origin', () => {
  beforeEach(async () => {
    await resetOrigin('orders')
    await resetOrigin('users')
    await resetOrigin('inventory')
  })

  it('a body that breaks the schema → 400 with every issue, origin not called', async () => {
    const order = { user_id: 0, currency: 'eur', items: [{ sku: 'SKU-RED-MUG', quantity: 0, unit_price_cents: 1 }], extra: true }
    const errors = await expectInvalid(await post('/api/v2/orders', JSON.stringify(order)))
    expect(errors.map((e) => e.pointer).sort()).toEqual(['', '/currency', '/items/0/quantity', '/user_id'])
    expect(errors.every((e) => e.in === 'body' && e.detail && e.code)).toBe(true)
    expect(errors.find((e) => e.pointer === '')!.code).toBe('unrecognized_keys')
    expect((await originStats('orders')).requests).toBe(0)
  })

  it('query, path parameters and body issues are reported together', async () => {
    const errors = await expectInvalid(await post('/api/v2/inventory/bad-sku/reserve', '{"quantity":-1}'))
    expect(errors.map((e) => `${e.in} ${e.pointer}`)).toEqual(['path /sku', 'body /quantity'])
    const query = await expectInvalid(await gateway('/api/v2/users?limit=1000&cursor=x'))
    expect(query.map((e) => `${e.in} ${e.pointer}`)).toEqual(['query /limit'])
    const missing = await expectInvalid(await gateway('/api/v2/orders'))
    expect(missing).toEqual([expect.objectContaining({ in: 'query', pointer: '/user' })])
    const repeated = await expectInvalid(await gateway('/api/v2/orders?user=1&user=2'))
    expect(repeated).toEqual([expect.objectContaining({ in: 'query', pointer: '/user' })])
    expect((await originStats('orders')).requests + (await originStats('inventory')).requests + (await originStats('users')).requests).toBe(0)
  })

  it('the auth routes are validated against the auth origin\'s published contract too', async () => {
    await resetOrigin('auth')
    const login = (body: string) => anonymousGateway('/api/v2/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const errors = await expectInvalid(await login('{"email":"ada@example.com"}'))
    expect(errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/password' })])
    await expectProblem(await anonymousGateway('/api/v2/auth/logout', { method: 'POST', body: 'token' }), 415)
    expect((await originStats('auth')).requests).toBe(0)
    // A well-formed login reaches the origin, which judges the password.
    await expectProblem(await login('{"email":"ada@example.com","password":"nope"}'), 400)
    expect((await originStats('auth')).requests).toBe(1)
  })

  it('malformed JSON → 400, not JSON → 415, no body → 400; origin not called', async () => {
    const malformed = await expectProblem(await post('/api/v2/orders', '{"user_id": '), 400)
    expect(malformed.type).toBe('https://switchyard.example/problems#malformed-request')
    const notJson = await expectProblem(await post('/api/v2/orders', 'user_id=1', 'application/x-www-form-urlencoded'), 415)
    expect(notJson.type).toBe('https://switchyard.example/problems#unsupported-media-type')
    await expectProblem(await gateway('/api/v2/orders', { method: 'POST' }), 415)
    await expectProblem(await post('/api/v2/orders', ''), 400)
    expect((await originStats('orders')).requests).toBe(0)
  })

  it('a valid request reaches the origin once, with its body intact', async () => {
    const res = await post('/api/v2/users/7', '{"name":"Margaret Hamilton"}', 'application/json; charset=utf-8', 'PATCH')
    expect(res.status).toBe(200)
    expect(((await res.json()) as { name: string }).name).toBe('Margaret Hamilton')
    expect((await originStats('users')).requests).toBe(1)
  })

  it('what the contract cannot say is judged by the origin (a cursor it did not issue)', async () => {
    // The published schema says only "string": the gateway passes it, the origin refuses it.
    const res = await gateway('/api/v2/users?cursor=nope')
    const body = await expectProblem(res, 400)
    expect(body.type).toBe('https://switchyard.example/problems#validation-error')
    expect(body.detail).not.toContain('the origin was not called')
    expect(body.errors).toEqual([expect.objectContaining({ in: 'query', pointer: '/cursor' })])
    expect((await originStats('users')).requests).toBe(1)
  })

  it('applies to unversioned paths as well', async () => {
    const errors = await expectInvalid(await gateway('/api/users/abc'))
    expect(errors).toEqual([expect.objectContaining({ in: 'path', pointer: '/id' })])
    expect((await originStats('users')).requests).toBe(0)
  })

  it('routes without a declared contract (documents) are proxied as they are', async () => {
    const res = await gateway('/api/v2/users/openapi.json')
    expect(res.status).toBe(200)
    expect((await originStats('users')).byPath['/users/openapi.json']).toBe(1)
  })
})
