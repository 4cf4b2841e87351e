/** D1 queries of the orders service. */
import type { Order, OrderItem } from './schemas'

type OrderRow = Omit<Order, 'items'>
type ItemRow = OrderItem & { order_id: number }

const ORDER = 'id, user_id, status, total_cents, currency, created_at, cancellation_reason'

/** A fresh order id, taken before anything is written so the order's events can name it. */
export async function allocateOrderId(db: D1Database): Promise<number> {
  const row = await db.prepare('INSERT INTO order_ids DEFAULT VALUES RETURNING id').first<{ id: number }>()
  if (!row) throw new Error('order id allocation returned no row')
  return row.id
}

/** The statements writing an order and its items: they go in one batch with its OrderPlaced event. */
export function insertOrder(
  db: D1Database,
  order: Omit<OrderRow, 'cancellation_reason'> & { payment_method_id: number | null },
  items: OrderItem[],
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO orders (id, user_id, status, total_cents, currency, created_at, payment_method_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
      )
      .bind(order.id, order.user_id, order.status, order.total_cents, order.currency, order.created_at, order.payment_method_id),
    ...items.map((i) =>
      db
        .prepare('INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES (?1, ?2, ?3, ?4)')
        .bind(order.id, i.sku, i.quantity, i.unit_price_cents),
    ),
  ]
}

/** Moves a pending order on; a no-op (0 changes) once the saga already ended it. */
export function settle(db: D1Database, id: number, status: 'paid' | 'cancelled', reason: string | null = null): D1PreparedStatement {
  return db
    .prepare(`UPDATE orders SET status = ?2, cancellation_reason = ?3 WHERE id = ?1 AND status = 'pending'`)
    .bind(id, status, reason)
}

export async function statusOf(db: D1Database, id: number): Promise<Order['status'] | null> {
  const row = await db.prepare('SELECT status FROM orders WHERE id = ?1').bind(id).first<{ status: Order['status'] }>()
  return row?.status ?? null
}

async function withItems(db: D1Database, orders: OrderRow[]): Promise<Order[]> {
  if (orders.length === 0) return []
  const { results } = await db
    .prepare(
      `SELECT order_id, sku, quantity, unit_price_cents FROM order_items
       WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id, rowid`,
    )
    .bind(JSON.stringify(orders.map((o) => o.id)))
    .all<ItemRow>()
  const byOrder = new Map<number, OrderItem[]>()
  for (const { order_id, ...item } of results) {
    byOrder.set(order_id, [...(byOrder.get(order_id) ?? []), item])
  }
  return orders.map((o) => ({ ...o, items: byOrder.get(o.id) ?? [] }))
}

export async function getOrder(db: D1Database, id: number): Promise<Order | null> {
  const row = await db.prepare(`SELECT ${ORDER} FROM orders WHERE id = ?1`).bind(id).first<OrderRow>()
  return row ? ((await withItems(db, [row]))[0] ?? null) : null
}

/** `limit + 1` orders of `userId` after `afterId`, so the caller can tell whether another page exists. */
export async function listOrders(db: D1Database, userId: number, afterId: number, limit: number): Promise<Order[]> {
  const { results } = await db
    .prepare(`SELECT ${ORDER} FROM orders WHERE user_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3`)
    .bind(userId, afterId, limit + 1)
    .all<OrderRow>()
  return withItems(db, results)
}
