/** D1 queries of the orders service. */
import type { Order, OrderItem } from './schemas'

type OrderRow = Omit<Order, 'items'>
type ItemRow = OrderItem & { order_id: number }

const ORDER = 'id, user_id, status, total_cents, currency, created_at'

/** A fresh order id, taken before anything is written so reservations can refer to it. */
export async function allocateOrderId(db: D1Database): Promise<number> {
  const row = await db.prepare('INSERT INTO order_ids DEFAULT VALUES RETURNING id').first<{ id: number }>()
  if (!row) throw new Error('order id allocation returned no row')
  return row.id
}

/** Writes the order and its items in one transaction: there is never an order without items. */
export async function insertOrder(
  db: D1Database,
  order: OrderRow,
  items: (OrderItem & { reservation_id: number })[],
): Promise<void> {
  await db.batch([
    db
      .prepare(`INSERT INTO orders (${ORDER}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`)
      .bind(order.id, order.user_id, order.status, order.total_cents, order.currency, order.created_at),
    ...items.map((i) =>
      db
        .prepare('INSERT INTO order_items (order_id, sku, quantity, unit_price_cents, reservation_id) VALUES (?1, ?2, ?3, ?4, ?5)')
        .bind(order.id, i.sku, i.quantity, i.unit_price_cents, i.reservation_id),
    ),
  ])
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
