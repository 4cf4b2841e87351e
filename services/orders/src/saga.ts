/**
 * The orders side of the order saga (choreography): orders owns the order, so it
 * decides its outcome and publishes the compensations. Each handler moves a `pending`
 * order on and writes its follow-up event in the same batch, only if the move happened
 * (`changes() = 1`), with the event id marked handled.
 *
 * StockRejected | PaymentFailed | ReservationExpired → cancelled, OrderCancelled
 *   (inventory releases what it holds, payments cancels or refunds)
 * PaymentCompleted → paid (confirmed), OrderConfirmed (inventory stops the hold's expiry)
 * A late PaymentCompleted for an order already cancelled changes nothing here: payments
 * refunds that charge when it handles the OrderCancelled.
 */
import type { Handlers } from '../../shared/events/consumer'
import type { OriginBindings } from '../../shared/types'
import { settle } from './repo'

const MOVED = ['changes() = 1'] as [string]

export function sagaHandlers<B extends OriginBindings>(): Handlers<B> {
  const cancel = async (
    orderId: number,
    reason: string,
    ctx: Parameters<NonNullable<Handlers<B>['StockRejected']>>[1],
  ): Promise<void> => {
    const cancelled = ctx.publish('OrderCancelled', `orders/${orderId}`, { order_id: orderId, reason }, MOVED)
    await ctx.db.batch([settle(ctx.db, orderId, 'cancelled', reason), cancelled.statement, ctx.handled])
  }
  return {
    StockRejected: (event, ctx) => cancel(event.data.order_id, `${event.data.reason}: ${event.data.sku}`, ctx),
    PaymentFailed: (event, ctx) => cancel(event.data.order_id, `payment-failed: ${event.data.reason}`, ctx),
    ReservationExpired: (event, ctx) => cancel(event.data.order_id, 'reservation-expired', ctx),
    PaymentCompleted: async (event, ctx) => {
      const id = event.data.order_id
      const confirmed = ctx.publish('OrderConfirmed', `orders/${id}`, { order_id: id }, MOVED)
      await ctx.db.batch([settle(ctx.db, id, 'paid'), confirmed.statement, ctx.handled])
    },
  }
}
