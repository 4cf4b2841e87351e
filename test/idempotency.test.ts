/**
 * Idempotency keys at the gateway (middleware/idempotency.ts), with keys in a real
 * redis-server through the Upstash bridge and the real orders and payments origins.
 * Assertions hold whatever the order flow answers a new order (201, 202 or a 409
 * cancellation): they count orders at the origin and compare a replay with the first answer.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { expectProblem, originStats, resetOrigin, setFault } from './helpers'
import { freshKey, keyedGateway, keyedPost, orderCount, snapshot, socks } from './idempotency-support'
import { hasTestRedis, startRedis, stopRedis } from './ratelimit-support'
import { wait } from './resilience-helpers'

const ORDERS = '/api/v2/orders'
const IN_PROGRESS = 'https://switchyard.example/problems#idempotency-request-in-progress'
const REUSED = 'https://switchyard.example/problems#idempotency-key-reused'

/** POST requests that reached the orders origin since its stats were reset. */
const ordersPosted = async () => (await originStats('orders')).byPath['/orders'] ?? 0
/** Counts `userId`'s orders, then resets the origin's stats (listing is a request to `/orders` too). */
const countOrders = async (gw: Parameters<typeof orderCount>[0], userId: number, as: Parameters<typeof orderCount>[2]) => {
  const count = await orderCount(gw, userId, as)
  await resetOrigin('orders')
  return count
}

beforeEach(async () => {
  await resetOrigin('orders')
  await resetOrigin('payments')
})
afterAll(async () => {
  await resetOrigin('orders')
  if (hasTestRedis()) await startRedis() // whatever a test did, leave Redis serving
})

describe('a repeated keyed POST', () => {
  it('is answered from the store: same status, headers and body, marked replayed; one order', async () => {
    const gw = keyedGateway()
    const before = await countOrders(gw, 1, 'ada')
    const key = freshKey()
    const firstRes = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(firstRes.headers.get('idempotent-replayed')).toBeNull()
    const first = await snapshot(firstRes)
    expect(first.status).toBeLessThan(500)

    const againRes = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(againRes.headers.get('idempotent-replayed')).toBe('true')
    // Per-request headers are the repeat's own, not the first request's.
    expect(againRes.headers.get('x-request-id')).not.toBe(firstRes.headers.get('x-request-id'))
    expect(await snapshot(againRes)).toEqual(first)
    // The access log names the route of the replay, which no handler ran.
    expect(gw.logs.filter((l) => l.msg === 'request').at(-1)).toMatchObject({ route: ORDERS, status: first.status })

    expect(await ordersPosted()).toBe(1)
    expect(await countOrders(gw, 1, 'ada')).toBe(before + 1)
  })

  it('with the same key and another body → 422, nothing processed', async () => {
    const gw = keyedGateway()
    const key = freshKey()
    const first = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    await first.body?.cancel()
    const before = await countOrders(gw, 1, 'ada')

    const other = await expectProblem(await keyedPost(gw, ORDERS, 'ada', socks(1, 2), key), 422)
    expect(other).toMatchObject({ type: REUSED, header: 'Idempotency-Key', instance: ORDERS })
    // Another route under the same key is another request too.
    const charge = { order_id: 1, user_id: 1, method_id: 1, amount_cents: 100, currency: 'EUR' }
    await expectProblem(await keyedPost(gw, '/api/v2/payments/charges', 'ada', charge, key), 422)

    expect(await ordersPosted()).toBe(0)
    expect((await originStats('payments')).requests).toBe(0)
    expect(await countOrders(gw, 1, 'ada')).toBe(before)
  })

  it('while the first is still in flight → 409 with Retry-After; afterwards the first answer', async () => {
    const gw = keyedGateway()
    const key = freshKey()
    // The orders origin holds the first request for a while (fault injection, one request).
    await setFault('orders', { mode: 'delay', delayMs: 2000, times: 1, paths: '/orders' })
    const pending = keyedPost(gw, ORDERS, 'ada', socks(1), key)
    // The first request is at the origin (so it holds the key) before the second is sent;
    // polling yields to the event loop (a bare microtask loop would starve the first request).
    while ((await ordersPosted()) === 0) await wait(10)

    const second = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(second.headers.get('retry-after')).toBe('1')
    expect(await expectProblem(second, 409)).toMatchObject({ type: IN_PROGRESS, header: 'Idempotency-Key' })

    const first = await snapshot(await pending)
    const third = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(third.headers.get('idempotent-replayed')).toBe('true')
    expect(await snapshot(third)).toEqual(first)
    expect(await ordersPosted()).toBe(1)
  })

  it('20 identical keyed POSTs at once create exactly one order', async () => {
    const gw = keyedGateway()
    const before = await countOrders(gw, 1, 'ada')
    const key = freshKey()
    const responses = await Promise.all(Array.from({ length: 20 }, () => keyedPost(gw, ORDERS, 'ada', socks(1), key)))
    const answers = await Promise.all(
      responses.map(async (res) => ({ replayed: res.headers.get('idempotent-replayed') === 'true', ...(await snapshot(res)) })),
    )
    const inProgress = answers.filter((a) => a.status === 409 && a.body.includes(IN_PROGRESS))
    const processed = answers.filter((a) => !a.replayed && !inProgress.includes(a))
    expect(processed).toHaveLength(1)
    for (const replay of answers.filter((a) => a.replayed)) expect({ ...replay, replayed: false }).toEqual(processed[0])
    expect(inProgress.length + answers.filter((a) => a.replayed).length).toBe(19)

    expect(await ordersPosted()).toBe(1)
    expect(await countOrders(gw, 1, 'ada')).toBe(before + 1)
  })

  it('keys are per caller: another user with the same key is independent', async () => {
    const gw = keyedGateway()
    const key = freshKey()
    const [adaBefore, alanBefore] = [await orderCount(gw, 1, 'ada'), await countOrders(gw, 3, 'alan')]
    const ada = await snapshot(await keyedPost(gw, ORDERS, 'ada', socks(1), key))
    // Under a shared key this other body would be a 422; per caller it is a new request.
    const alan = await keyedPost(gw, ORDERS, 'alan', socks(3), key)
    expect(alan.headers.get('idempotent-replayed')).toBeNull()
    expect(alan.status).not.toBe(422)
    await alan.body?.cancel()
    const adaAgain = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(adaAgain.headers.get('idempotent-replayed')).toBe('true')
    expect(await snapshot(adaAgain)).toEqual(ada)

    expect(await ordersPosted()).toBe(2)
    expect(await countOrders(gw, 1, 'ada')).toBe(adaBefore + 1)
    expect(await orderCount(gw, 3, 'alan')).toBe(alanBefore + 1)
  })

  it('a failed first attempt (5xx) does not lock the key: the retry is processed', async () => {
    const gw = keyedGateway()
    const before = await countOrders(gw, 1, 'ada')
    const key = freshKey()
    // 500 is not retried by the gateway: the client gets it and sends the request again.
    await setFault('orders', { mode: 'status', status: 500, times: 1, paths: '/orders' })
    await expectProblem(await keyedPost(gw, ORDERS, 'ada', socks(1), key), 500)
    const retry = await keyedPost(gw, ORDERS, 'ada', socks(1), key)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
    expect(retry.status).toBeLessThan(500)
    await retry.body?.cancel()
    expect(gw.logs.some((l) => l.msg === 'idempotency key released' && l.reason === 'status 500')).toBe(true)
    expect(await ordersPosted()).toBe(2)
    expect(await countOrders(gw, 1, 'ada')).toBe(before + 1)
  })
})

describe('keys the gateway refuses', () => {
  const REFUND = '/api/v2/payments/charges/1/refunds'

  it('a route that requires a key and gets none → 400 naming the header; the origin is not called', async () => {
    const gw = keyedGateway()
    const body = await expectProblem(await keyedPost(gw, REFUND, 'grace', { amount_cents: 1 }), 400)
    expect(body).toMatchObject({ type: 'https://switchyard.example/problems#idempotency-key-missing', header: 'Idempotency-Key' })
    expect((await originStats('payments')).requests).toBe(0)
    // v1 clients predate required keys: there the same refund is sent on.
    const v1 = await keyedPost(gw, '/api/v1/payments/charges/1/refunds', 'grace', { amount_cents: 1 })
    expect(v1.status).not.toBe(400)
    await v1.body?.cancel()
    expect((await originStats('payments')).requests).toBe(1)
  })

  it('a malformed key → 400: not an sf-string, empty, too long, repeated', async () => {
    const gw = keyedGateway()
    for (const key of ['order-1', '"unterminated', '""', `"${'k'.repeat(256)}"`, '"a", "b"', '42']) {
      const body = await expectProblem(await keyedPost(gw, ORDERS, 'ada', socks(1), key), 400)
      expect(body).toMatchObject({ type: 'https://switchyard.example/problems#idempotency-key-malformed', header: 'Idempotency-Key' })
    }
    expect(await ordersPosted()).toBe(0)
  })
})

describe('with Redis down', () => {
  it('keyed writes are refused with 503 + Retry-After by default; unkeyed ones pass; `open` processes them', async () => {
    const closed = keyedGateway()
    const open = keyedGateway({ failure: 'open' })
    await stopRedis()
    try {
      const refused = await keyedPost(closed, ORDERS, 'ada', socks(1), freshKey())
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(await expectProblem(refused, 503)).toMatchObject({
        type: 'https://switchyard.example/problems#idempotency-unavailable',
        header: 'Idempotency-Key',
      })
      expect(await ordersPosted()).toBe(0)
      expect(closed.logs.some((l) => l.msg === 'idempotency store failed; refusing the keyed request')).toBe(true)

      const unkeyed = await keyedPost(closed, ORDERS, 'ada', socks(1))
      expect(unkeyed.status).toBeLessThan(500)
      await unkeyed.body?.cancel()

      const processed = await keyedPost(open, ORDERS, 'ada', socks(1), freshKey())
      expect(processed.status).toBeLessThan(500)
      await processed.body?.cancel()
      expect(open.logs.some((l) => l.msg === 'idempotency store failed; processing without the guarantee')).toBe(true)
      expect(await ordersPosted()).toBe(2)
    } finally {
      await startRedis()
    }
  })
})
