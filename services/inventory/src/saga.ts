/**
 * The inventory side of the order saga. Every handler writes its stock changes, the
 * event it answers with and the handled event id in ONE D1 batch.
 *
 * - OrderPlaced: hold every item or none. The stock table's CHECK (reserved <= on_hand)
 *   is the all-or-nothing guard: one short item fails the whole batch, so a concurrent
 *   order can never oversell. → StockReserved | StockRejected (nothing held).
 * - OrderCancelled: release what the order holds (a no-op when nothing is held).
 * - OrderConfirmed: the hold no longer expires (the stock stays reserved for shipping).
 * - The sweep (`expireHolds`): holds past their expiry are released → ReservationExpired.
 */
import type { Handlers, HandlerContext } from '../../shared/events/consumer'
import { outboxInsert } from '../../shared/events/outbox'
import { now } from '../../shared/schemas'
import type { OriginBindings } from '../../shared/types'
import { getStocks, releaseStatements } from './repo'

type Bindings = OriginBindings & { RESERVATION_TTL_SECONDS?: string }

const DEFAULT_TTL_SECONDS = 600

const ttlSeconds = (env: Bindings) => {
  const ttl = Number(env.RESERVATION_TTL_SECONDS ?? DEFAULT_TTL_SECONDS)
  return Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_TTL_SECONDS
}

const isOversold = (err: unknown) => err instanceof Error && /CHECK constraint failed/i.test(err.message)

type Ctx<B extends Bindings> = HandlerContext<B>

async function reject<B extends Bindings>(ctx: Ctx<B>, orderId: number, reason: 'insufficient-stock' | 'unknown-sku', sku: string) {
  const rejected = ctx.publish('StockRejected', `orders/${orderId}`, { order_id: orderId, reason, sku })
  await ctx.db.batch([rejected.statement, ctx.handled])
}

/** Held reservations of an order. */
async function heldBy(db: D1Database, orderId: number) {
  const { results } = await db
    .prepare(`SELECT id, sku FROM reservations WHERE order_id = ?1 AND status = 'held' ORDER BY id`)
    .bind(orderId)
    .all<{ id: number; sku: string }>()
  return results
}

export function sagaHandlers<B extends Bindings>(): Handlers<B> {
  return {
    OrderPlaced: async (event, ctx) => {
      const { order_id, items } = event.data
      const db = ctx.db
      const stock = new Map((await getStocks(db, items.map((i) => i.sku))).map((s) => [s.sku, s]))
      const unknown = items.find((i) => !stock.has(i.sku))
      if (unknown) return reject(ctx, order_id, 'unknown-sku', unknown.sku)
      const short = items.find((i) => stock.get(i.sku)!.available < i.quantity)
      if (short) return reject(ctx, order_id, 'insufficient-stock', short.sku)

      const created = now()
      const expires = new Date(Date.now() + ttlSeconds(ctx.env) * 1000).toISOString()
      const reserved = ctx.publish('StockReserved', `orders/${order_id}`, {
        order_id,
        items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      })
      try {
        await db.batch([
          ...items.flatMap((i) => [
            db.prepare('UPDATE stock SET reserved = reserved + ?2 WHERE sku = ?1').bind(i.sku, i.quantity),
            db
              .prepare(
                `INSERT INTO reservations (sku, order_id, quantity, status, created_at, expires_at) VALUES (?1, ?2, ?3, 'held', ?4, ?5)`,
              )
              .bind(i.sku, order_id, i.quantity, created, expires),
          ]),
          reserved.statement,
          ctx.handled,
        ])
      } catch (err) {
        if (!isOversold(err)) throw err
        // Another order took the stock between the read and the batch: nothing was held.
        const current = new Map((await getStocks(db, items.map((i) => i.sku))).map((s) => [s.sku, s]))
        const gone = items.find((i) => (current.get(i.sku)?.available ?? 0) < i.quantity) ?? items[0]!
        return reject(ctx, order_id, 'insufficient-stock', gone.sku)
      }
    },

    OrderCancelled: async (event, ctx) => {
      const held = await heldBy(ctx.db, event.data.order_id)
      await ctx.db.batch([...held.flatMap((r) => releaseStatements(ctx.db, r.sku, r.id)), ctx.handled])
    },

    OrderConfirmed: async (event, ctx) => {
      await ctx.db.batch([
        ctx.db
          .prepare(`UPDATE reservations SET expires_at = NULL, confirmed_at = ?2 WHERE order_id = ?1 AND status = 'held'`)
          .bind(event.data.order_id, now()),
        ctx.handled,
      ])
    },
  }
}

/** Releases holds past their expiry, order by order, each with its ReservationExpired event. */
export async function expireHolds(env: Bindings): Promise<void> {
  const db = env.DB
  const { results } = await db
    .prepare(
      `SELECT id, sku, order_id FROM reservations
       WHERE status = 'held' AND expires_at IS NOT NULL AND expires_at < ?1 ORDER BY id LIMIT 200`,
    )
    .bind(now())
    .all<{ id: number; sku: string; order_id: number | null }>()
  const byOrder = new Map<number | null, typeof results>()
  for (const r of results) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r])
  for (const [orderId, held] of byOrder) {
    const releases = held.flatMap((r) => releaseStatements(db, r.sku, r.id))
    const expired = orderId ? [outboxInsert(db, 'inventory', 'ReservationExpired', `orders/${orderId}`, { order_id: orderId }).statement] : []
    await db.batch([...releases, ...expired])
  }
}
