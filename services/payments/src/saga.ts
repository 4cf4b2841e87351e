/**
 * The payments side of the order saga. A payment intent per order holds what to charge
 * (from OrderPlaced) and where it stands; every step is a conditional statement on the
 * intent's status, in one D1 batch with the event it answers with and the handled id,
 * so no order is ever charged twice and a cancelled one never charged.
 *
 * - OrderPlaced: intent `awaiting-stock` (amount and method as orders computed them).
 * - StockReserved: charge the method (the user's default unless the order named one) →
 *   intent `charged`, PaymentCompleted; no usable method → `failed`, PaymentFailed.
 *   Arriving before OrderPlaced (another queue), it waits: retried, not dead-lettered.
 * - OrderCancelled: an intent not charged yet is `cancelled` (a later StockReserved
 *   charges nothing); a charged one is refunded in full → `refunded`.
 */
import { NotReadyError, type Handlers } from '../../shared/events/consumer'
import { now } from '../../shared/schemas'
import type { OriginBindings } from '../../shared/types'
import { usableMethodSql } from './repo'

interface Intent {
  order_id: number
  user_id: number
  amount_cents: number
  currency: string
  method_id: number | null
  status: 'awaiting-stock' | 'charged' | 'failed' | 'cancelled' | 'refunded'
}

export function sagaHandlers<B extends OriginBindings>(): Handlers<B> {
  return {
    OrderPlaced: async (event, ctx) => {
      const d = event.data
      await ctx.db.batch([
        // OR IGNORE: an OrderCancelled that overtook this event already made a cancelled intent.
        ctx.db
          .prepare(
            `INSERT OR IGNORE INTO payment_intents (order_id, user_id, amount_cents, currency, method_id, status, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'awaiting-stock', ?6)`,
          )
          .bind(d.order_id, d.user_id, d.total_cents, d.currency, d.payment_method_id, now()),
        ctx.handled,
      ])
    },

    StockReserved: async (event, ctx) => {
      const id = event.data.order_id
      const db = ctx.db
      const intent = await db.prepare('SELECT * FROM payment_intents WHERE order_id = ?1').bind(id).first<Intent>()
      if (!intent) throw new NotReadyError(`no payment intent for order ${id} yet (OrderPlaced not handled)`)
      if (intent.status !== 'awaiting-stock') {
        await ctx.db.batch([ctx.handled])
        return
      }
      const today = new Date()
      const [year, month] = [today.getUTCFullYear(), today.getUTCMonth() + 1]
      // The method to charge: the one the order named, else the user's default.
      const method = await db
        .prepare(
          `SELECT id, ${usableMethodSql('payment_methods', '?3', '?4')} AS usable FROM payment_methods
           WHERE user_id = ?1 AND (CASE WHEN ?2 IS NULL THEN is_default = 1 ELSE id = ?2 END)`,
        )
        .bind(intent.user_id, intent.method_id, year, month)
        .first<{ id: number; usable: number }>()
      if (!method || !method.usable) {
        const reason = !method ? (intent.method_id ? 'payment-method-invalid' : 'no-payment-method') : 'card-expired'
        const failed = ctx.publish('PaymentFailed', `orders/${id}`, { order_id: id, reason }, ['changes() = 1'])
        await db.batch([
          db
            .prepare(`UPDATE payment_intents SET status = 'failed', reason = ?2, updated_at = ?3 WHERE order_id = ?1 AND status = 'awaiting-stock'`)
            .bind(id, reason, now()),
          failed.statement,
          ctx.handled,
        ])
        return
      }
      // The charge id is not known before the batch: the event carries it from the intent row.
      const completed = ctx.publish(
        'PaymentCompleted',
        `orders/${id}`,
        { order_id: id, charge_id: 1, amount_cents: intent.amount_cents, currency: intent.currency, method_id: method.id },
        ['changes() = 1'],
      )
      await db.batch([
        db
          .prepare(
            `INSERT INTO charges (order_id, user_id, method_id, amount_cents, currency, status, created_at)
             SELECT i.order_id, i.user_id, ?2, i.amount_cents, i.currency, 'succeeded', ?3
             FROM payment_intents i WHERE i.order_id = ?1 AND i.status = 'awaiting-stock'`,
          )
          .bind(id, method.id, now()),
        db
          .prepare(
            `UPDATE payment_intents SET status = 'charged', charge_id = last_insert_rowid(), updated_at = ?2
             WHERE order_id = ?1 AND status = 'awaiting-stock' AND changes() = 1`,
          )
          .bind(id, now()),
        completed.statement,
        db
          .prepare(
            `UPDATE outbox SET envelope = json_set(envelope, '$.data.charge_id', (SELECT charge_id FROM payment_intents WHERE order_id = ?2))
             WHERE event_id = ?1`,
          )
          .bind(completed.event.id, id),
        ctx.handled,
      ])
    },

    OrderCancelled: async (event, ctx) => {
      const id = event.data.order_id
      const db = ctx.db
      const refunded = '(SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE charge_id = c.id)'
      await db.batch([
        // Overtook OrderPlaced: a cancelled intent, so that OrderPlaced changes nothing.
        db
          .prepare(
            `INSERT OR IGNORE INTO payment_intents (order_id, user_id, amount_cents, currency, status, reason, updated_at)
             VALUES (?1, 0, 0, 'XXX', 'cancelled', ?2, ?3)`,
          )
          .bind(id, event.data.reason, now()),
        db
          .prepare(`UPDATE payment_intents SET status = 'cancelled', reason = ?2, updated_at = ?3 WHERE order_id = ?1 AND status = 'awaiting-stock'`)
          .bind(id, event.data.reason, now()),
        // A charged intent: refund what remains of its charge, once.
        db
          .prepare(
            `INSERT INTO refunds (charge_id, amount_cents, created_at)
             SELECT c.id, c.amount_cents - ${refunded}, ?2 FROM charges c JOIN payment_intents i ON i.charge_id = c.id
             WHERE i.order_id = ?1 AND i.status = 'charged' AND c.amount_cents - ${refunded} > 0`,
          )
          .bind(id, now()),
        db
          .prepare(`UPDATE charges SET status = 'refunded' WHERE id = (SELECT charge_id FROM payment_intents WHERE order_id = ?1 AND status = 'charged')`)
          .bind(id),
        db
          .prepare(`UPDATE payment_intents SET status = 'refunded', reason = ?2, updated_at = ?3 WHERE order_id = ?1 AND status = 'charged'`)
          .bind(id, event.data.reason, now()),
        ctx.handled,
      ])
    },
  }
}
