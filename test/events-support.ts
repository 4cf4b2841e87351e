/**
 * Helpers of the event and saga tests: orders placed through the gateway with real
 * tokens, polling for saga states (a bounded number of tries, never a clock bound),
 * and reads of the origins' own databases.
 */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { gateway } from './helpers'
import { bearer, type DevUser } from './tokens'

const bindings = env as unknown as Record<string, unknown>
export const db = (service: 'orders' | 'inventory' | 'payments') => bindings[`${service.toUpperCase()}_DB`] as D1Database
export const queue = (service: 'orders' | 'inventory' | 'payments') => bindings[`${service.toUpperCase()}_EVENTS`] as Queue

export interface OrderBody {
  id: number
  user_id: number
  status: string
  total_cents: number
  cancellation_reason: string | null
  items: { sku: string; quantity: number; unit_price_cents: number }[]
}

export async function placeOrder(
  as: DevUser,
  body: Record<string, unknown>,
  headers: Record<string, string> = { prefer: 'respond-async' },
): Promise<Response> {
  return gateway('/api/v2/orders', {
    method: 'POST',
    headers: { ...(await bearer(as)), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

export async function getOrder(id: number, as: DevUser = 'grace'): Promise<OrderBody> {
  const res = await gateway(`/api/v2/orders/${id}`, { headers: await bearer(as) })
  expect(res.status).toBe(200)
  return (await res.json()) as OrderBody
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `read` until `done` holds; fails after `tries` reads. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 300): Promise<T> {
  let last: T | undefined
  for (let i = 0; i < tries; i++) {
    last = await read()
    if (done(last)) return last
    await pause(20)
  }
  throw new Error(`condition not reached after ${tries} reads; last: ${JSON.stringify(last)}`)
}

/** The order once the saga has ended it (anything but pending). */
export const settled = (id: number) => until(() => getOrder(id), (o) => o.status !== 'pending')

export async function stockOf(sku: string): Promise<{ on_hand: number; reserved: number }> {
  const row = await db('inventory').prepare('SELECT on_hand, reserved FROM stock WHERE sku = ?1').bind(sku).first<{ on_hand: number; reserved: number }>()
  return row!
}

export async function reservationsOf(orderId: number): Promise<{ sku: string; status: string; expires_at: string | null }[]> {
  const { results } = await db('inventory')
    .prepare('SELECT sku, status, expires_at FROM reservations WHERE order_id = ?1 ORDER BY id')
    .bind(orderId)
    .all<{ sku: string; status: string; expires_at: string | null }>()
  return results
}

export async function chargesOf(orderId: number): Promise<{ id: number; amount_cents: number; status: string; refunded: number }[]> {
  const { results } = await db('payments')
    .prepare(
      `SELECT c.id, c.amount_cents, c.status, (SELECT coalesce(sum(amount_cents), 0) FROM refunds r WHERE r.charge_id = c.id) AS refunded
       FROM charges c WHERE c.order_id = ?1 ORDER BY c.id`,
    )
    .bind(orderId)
    .all<{ id: number; amount_cents: number; status: string; refunded: number }>()
  return results
}

/** Runs an origin's Cron handler (the sweep), as the scheduler would. */
export async function sweep(service: 'orders' | 'inventory' | 'payments'): Promise<void> {
  const fetcher = bindings[service.toUpperCase()] as Fetcher & { scheduled(options?: { cron?: string }): Promise<unknown> }
  await fetcher.scheduled({ cron: '* * * * *' })
}

/** Every pending outbox row of a service has been sent. */
export const outboxDrained = (service: 'orders' | 'inventory' | 'payments') =>
  until(
    () => db(service).prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL').first<{ n: number }>(),
    (row) => row?.n === 0,
  )
