/** D1 queries of the inventory service. Every stock change is a single conditional statement. */
import { now } from '../../shared/schemas'
import type { Reservation, StockItem } from './schemas'

const STOCK = 'sku, name, on_hand, reserved, on_hand - reserved AS available, price_cents'
const RESERVATION = 'id AS reservation_id, sku, order_id, quantity, status, created_at, released_at'

export function getStock(db: D1Database, sku: string): Promise<StockItem | null> {
  return db.prepare(`SELECT ${STOCK} FROM stock WHERE sku = ?1`).bind(sku).first<StockItem>()
}

export async function getStocks(db: D1Database, skus: string[]): Promise<StockItem[]> {
  const { results } = await db
    .prepare(`SELECT ${STOCK} FROM stock WHERE sku IN (SELECT value FROM json_each(?1)) ORDER BY sku`)
    .bind(JSON.stringify(skus))
    .all<StockItem>()
  return results
}

/**
 * Holds `quantity` units, or nothing (null) when fewer are available or the SKU is unknown.
 * The UPDATE is the whole availability check, so concurrent reservations cannot oversell;
 * the INSERT, in the same transaction, only runs when that UPDATE changed a row.
 */
export async function reserve(
  db: D1Database,
  sku: string,
  quantity: number,
  orderId: number | null,
): Promise<Reservation | null> {
  const [held, created] = await db.batch<Reservation>([
    db.prepare('UPDATE stock SET reserved = reserved + ?2 WHERE sku = ?1 AND on_hand - reserved >= ?2').bind(sku, quantity),
    db
      .prepare(
        `INSERT INTO reservations (sku, order_id, quantity, status, created_at)
         SELECT ?1, ?2, ?3, 'held', ?4 WHERE changes() = 1 RETURNING ${RESERVATION}`,
      )
      .bind(sku, orderId, quantity, now()),
  ])
  if (held?.meta.changes !== 1) return null
  const reservation = created?.results[0]
  if (!reservation) throw new Error(`stock for ${sku} was held but no reservation row was written`)
  return reservation
}

/**
 * Marks a held reservation released and returns its stock, in one transaction; both
 * statements only match while status = 'held', so a second release changes nothing.
 * Null when no such reservation exists for this SKU.
 */
export async function release(db: D1Database, sku: string, reservationId: number): Promise<Reservation | null> {
  const [, , current] = await db.batch<Reservation>([
    ...releaseStatements(db, sku, reservationId),
    db.prepare(`SELECT ${RESERVATION} FROM reservations WHERE id = ?2 AND sku = ?1`).bind(sku, reservationId),
  ])
  return current?.results[0] ?? null
}

/** The two statements of a release, for a caller's batch; both change nothing unless the reservation is held. */
export function releaseStatements(db: D1Database, sku: string, reservationId: number): D1PreparedStatement[] {
  const held = `SELECT quantity FROM reservations WHERE id = ?2 AND sku = ?1 AND status = 'held'`
  return [
    db.prepare(`UPDATE stock SET reserved = reserved - (${held}) WHERE sku = ?1 AND EXISTS (${held})`).bind(sku, reservationId),
    db
      .prepare(`UPDATE reservations SET status = 'released', released_at = ?3 WHERE id = ?2 AND sku = ?1 AND status = 'held'`)
      .bind(sku, reservationId, now()),
  ]
}
