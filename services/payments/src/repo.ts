/** D1 queries of the payments service. */
import { recordKey } from '../../shared/idempotency'
import { now } from '../../shared/schemas'
import type { Charge, CreateCharge, PaymentMethod, Refund } from './schemas'

type MethodRow = Omit<PaymentMethod, 'is_default'> & { is_default: number }
type ChargeRow = Omit<Charge, 'refunds'>

const METHOD = 'id, user_id, brand, last4, exp_month, exp_year, is_default'
const REFUNDED = '(SELECT coalesce(sum(r.amount_cents), 0) FROM refunds r WHERE r.charge_id = c.id)'
const CHARGE = `c.id, c.order_id, c.user_id, c.method_id, c.amount_cents, c.currency, c.status, c.created_at, ${REFUNDED} AS refunded_cents`
const REFUND = 'id, charge_id, amount_cents, created_at'

const toMethod = (row: MethodRow): PaymentMethod => ({ ...row, is_default: row.is_default === 1 })

export async function listMethods(db: D1Database, userId: number): Promise<PaymentMethod[]> {
  const { results } = await db
    .prepare(`SELECT ${METHOD} FROM payment_methods WHERE user_id = ?1 ORDER BY is_default DESC, id`)
    .bind(userId)
    .all<MethodRow>()
  return results.map(toMethod)
}

export async function getMethod(db: D1Database, id: number): Promise<PaymentMethod | null> {
  const row = await db.prepare(`SELECT ${METHOD} FROM payment_methods WHERE id = ?1`).bind(id).first<MethodRow>()
  return row ? toMethod(row) : null
}

/** SQL truth value: the method `alias` has not expired in year `year`, month `month` (SQL expressions). */
export const usableMethodSql = (alias: string, year: string, month: string) =>
  `(${alias}.exp_year > ${year} OR (${alias}.exp_year = ${year} AND ${alias}.exp_month >= ${month}))`

/** A keyed write: the caller's Idempotency-Key is recorded in the write's batch. */
export type Keyed = { caller: string; key: string } | null

/**
 * Inserts the charge only if the method belongs to the user and has not expired, in the
 * same statement, so the check cannot go stale. Null when the method did not qualify.
 * With `keyed`, the key is recorded in the same batch (a repeat fails on it, writing nothing).
 */
export async function insertCharge(db: D1Database, input: CreateCharge, today: Date, keyed: Keyed = null): Promise<Charge | null> {
  const insert = db
    .prepare(
      `INSERT INTO charges (order_id, user_id, method_id, amount_cents, currency, status, created_at)
       SELECT ?1, ?2, m.id, ?4, ?5, 'succeeded', ?6 FROM payment_methods m
       WHERE m.id = ?3 AND m.user_id = ?2 AND ${usableMethodSql('m', '?7', '?8')}
       RETURNING id, order_id, user_id, method_id, amount_cents, currency, status, created_at`,
    )
    .bind(
      input.order_id,
      input.user_id,
      input.method_id,
      input.amount_cents,
      input.currency,
      now(),
      today.getUTCFullYear(),
      today.getUTCMonth() + 1,
    )
  const key = keyed ? [recordKey(db, keyed.caller, keyed.key, 'last_insert_rowid()', 'changes() = 1')] : []
  const [inserted] = await db.batch<Omit<ChargeRow, 'refunded_cents'>>([insert, ...key])
  const row = inserted?.results[0]
  return row ? { ...row, refunded_cents: 0, refunds: [] } : null
}

async function withRefunds(db: D1Database, charges: ChargeRow[]): Promise<Charge[]> {
  if (charges.length === 0) return []
  const { results } = await db
    .prepare(`SELECT ${REFUND} FROM refunds WHERE charge_id IN (SELECT value FROM json_each(?1)) ORDER BY id`)
    .bind(JSON.stringify(charges.map((c) => c.id)))
    .all<Refund>()
  return charges.map((c) => ({ ...c, refunds: results.filter((r) => r.charge_id === c.id) }))
}

export async function getCharge(db: D1Database, id: number): Promise<Charge | null> {
  const row = await db.prepare(`SELECT ${CHARGE} FROM charges c WHERE c.id = ?1`).bind(id).first<ChargeRow>()
  return row ? ((await withRefunds(db, [row]))[0] ?? null) : null
}

/** The order's charges; only those of user `userId` unless it is null. */
export async function listCharges(db: D1Database, orderId: number, userId: number | null): Promise<Charge[]> {
  const { results } = await db
    .prepare(`SELECT ${CHARGE} FROM charges c WHERE c.order_id = ?1 AND (?2 IS NULL OR c.user_id = ?2) ORDER BY c.id`)
    .bind(orderId, userId)
    .all<ChargeRow>()
  return withRefunds(db, results)
}

export type RefundOutcome = {
  /** Null when nothing was refunded (unknown charge, or more than what remains). */
  refund: Refund | null
  /** The charge after the attempt; null when it does not exist. */
  charge: { status: Charge['status']; remaining_cents: number } | null
}

/**
 * One transaction: insert the refund only if it fits in what remains, recompute the
 * charge status from the refunds actually recorded, read back the result. Concurrent
 * refunds therefore can never exceed the charged amount.
 */
export async function refund(db: D1Database, chargeId: number, amount: number, keyed: Keyed = null): Promise<RefundOutcome> {
  const refunded = '(SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE charge_id = ?1)'
  const key = keyed ? [recordKey(db, keyed.caller, keyed.key, 'last_insert_rowid()', 'changes() = 1')] : []
  const [inserted, ...rest] = await db.batch([
    db
      .prepare(
        `INSERT INTO refunds (charge_id, amount_cents, created_at)
         SELECT id, ?2, ?3 FROM charges WHERE id = ?1 AND amount_cents - ${refunded} >= ?2
         RETURNING ${REFUND}`,
      )
      .bind(chargeId, amount, now()),
    ...key,
    db
      .prepare(
        `UPDATE charges SET status = CASE
           WHEN ${refunded} >= amount_cents THEN 'refunded'
           WHEN ${refunded} > 0 THEN 'partially_refunded'
           ELSE 'succeeded' END
         WHERE id = ?1`,
      )
      .bind(chargeId),
    db.prepare(`SELECT status, amount_cents - ${refunded} AS remaining_cents FROM charges WHERE id = ?1`).bind(chargeId),
  ])
  const after = rest.at(-1)
  return {
    refund: (inserted?.results[0] as Refund | undefined) ?? null,
    charge: (after?.results[0] as RefundOutcome['charge'] | undefined) ?? null,
  }
}

export async function getRefund(db: D1Database, id: number): Promise<Refund | null> {
  return db.prepare(`SELECT ${REFUND} FROM refunds WHERE id = ?1`).bind(id).first<Refund>()
}
