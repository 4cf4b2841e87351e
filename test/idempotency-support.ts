// Shared pieces of the idempotency-key tests: a gateway keyed on the test Redis (the
// real redis-server behind the Upstash bridge, test/setup/redis.ts), keyed requests
// with real tokens, and counting what the orders origin holds.
import type { IdempotencyConfigInput } from '../src/idempotency/config'
import { createLogger } from '../src/log'
import { customGateway, logCapture } from './helpers'
import { testRedis } from './ratelimit-support'
import { bearer, type DevUser } from './tokens'

/** A gateway over the real origins whose idempotency keys live in the test Redis. */
export function keyedGateway(idempotency: Partial<IdempotencyConfigInput> = {}) {
  const redis = testRedis()
  const logs = logCapture()
  const gw = customGateway(
    {
      idempotency: { store: { kind: 'upstash', url: redis.url, token: redis.token, timeoutMs: 5000 }, ...idempotency },
      caching: { coalesce: false },
    },
    { logger: createLogger({ service: 'switchyard' }, logs.sink) },
  )
  return { ...gw, logs: logs.lines }
}

type Fetch = (path: string, init?: RequestInit) => Promise<Response>

/** A key no other test (or earlier run against the same Redis) uses, as an sf-string. */
export const freshKey = () => `"test-${crypto.randomUUID()}"`

/** POSTs `body` as JSON as `user`, with `key` as the Idempotency-Key field value if given. */
export async function keyedPost(gw: { fetch: Fetch }, path: string, as: DevUser, body: unknown, key?: string): Promise<Response> {
  return gw.fetch(path, {
    method: 'POST',
    headers: { ...(await bearer(as)), 'content-type': 'application/json', ...(key !== undefined && { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  })
}

/** An order of one pair of socks for `userId` (at the catalogue price). */
export const socks = (userId: number, quantity = 1) => ({
  user_id: userId,
  currency: 'EUR',
  items: [{ sku: 'SKU-YELLOW-SOCKS', quantity, unit_price_cents: 800 }],
})

/** How many orders `userId` has at the orders origin, paging through its list. */
export async function orderCount(gw: { fetch: Fetch }, userId: number, as: DevUser): Promise<number> {
  let count = 0
  let cursor: string | null = null
  do {
    const query = `user=${userId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const res = await gw.fetch(`/api/v2/orders?${query}`, { headers: await bearer(as) })
    if (res.status !== 200) throw new Error(`listing orders: ${res.status} ${await res.text()}`)
    const page = (await res.json()) as { data: unknown[]; next_cursor: string | null }
    count += page.data.length
    cursor = page.next_cursor
  } while (cursor)
  return count
}

/** Status, the headers a replay must repeat, and the body text of an answer. */
export async function snapshot(res: Response) {
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    location: res.headers.get('location'),
    body: await res.text(),
  }
}
