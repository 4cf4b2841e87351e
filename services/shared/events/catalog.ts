/**
 * Every event type of the order saga: who publishes it, who subscribes (each subscriber
 * has its own queue, so one event reaches all of them), and the schema of its `data`.
 * The outbox, the consumers' validation and the AsyncAPI documents all read this table.
 */
import { z } from '@hono/zod-openapi'
import { Currency, Id, Sku } from '../schemas'

export const EVENT_SERVICES = ['orders', 'inventory', 'payments'] as const
export type EventService = (typeof EVENT_SERVICES)[number]

const OrderRef = { order_id: Id }

export const EVENTS = {
  OrderPlaced: {
    producer: 'orders',
    subscribers: ['inventory', 'payments'],
    summary: 'An order was accepted: inventory holds its items, payments notes what to charge.',
    data: z.object({
      ...OrderRef,
      user_id: Id,
      items: z.array(z.object({ sku: Sku, quantity: z.number().int().min(1), unit_price_cents: z.number().int().min(0) })).min(1),
      total_cents: z.number().int().min(0),
      currency: Currency,
      payment_method_id: Id.nullable(),
    }),
  },
  OrderConfirmed: {
    producer: 'orders',
    subscribers: ['inventory'],
    summary: 'Stock held and paid: the held stock no longer expires.',
    data: z.object(OrderRef),
  },
  OrderCancelled: {
    producer: 'orders',
    subscribers: ['inventory', 'payments'],
    summary: 'The order will not be fulfilled: release its stock, refund (or never take) its payment.',
    data: z.object({ ...OrderRef, reason: z.string().max(200) }),
  },
  StockReserved: {
    producer: 'inventory',
    subscribers: ['payments'],
    summary: "Every item of the order is held (until the reservation's expiry).",
    data: z.object({ ...OrderRef, items: z.array(z.object({ sku: Sku, quantity: z.number().int() })) }),
  },
  StockRejected: {
    producer: 'inventory',
    subscribers: ['orders'],
    summary: 'The order cannot be held (all or nothing): nothing was reserved.',
    data: z.object({ ...OrderRef, reason: z.enum(['insufficient-stock', 'unknown-sku']), sku: Sku }),
  },
  ReservationExpired: {
    producer: 'inventory',
    subscribers: ['orders'],
    summary: 'The stock held for an order was released because no confirmation came in time.',
    data: z.object(OrderRef),
  },
  PaymentCompleted: {
    producer: 'payments',
    subscribers: ['orders'],
    summary: 'The order was charged.',
    data: z.object({ ...OrderRef, charge_id: Id, amount_cents: z.number().int(), currency: Currency, method_id: Id }),
  },
  PaymentFailed: {
    producer: 'payments',
    subscribers: ['orders'],
    summary: 'The order could not be charged; nothing was taken.',
    data: z.object({ ...OrderRef, reason: z.enum(['card-expired', 'no-payment-method', 'payment-method-invalid']) }),
  },
} as const satisfies Record<
  string,
  { producer: EventService; subscribers: readonly EventService[]; summary: string; data: z.ZodType }
>

export type EventType = keyof typeof EVENTS
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['data']>

/** Version of every event's `data` schema; a breaking change adds a version, never edits one. */
export const DATA_VERSION = '1'

/** The queue a subscriber consumes, its dead-letter queue, and the producer binding that sends to it. */
export const queueName = (service: EventService) => `switchyard-${service}-events`
export const deadLetterQueueName = (service: EventService) => `switchyard-${service}-events-dlq`
export const queueBinding = (service: EventService) => `EVENTS_${service.toUpperCase()}`

export const isEventType = (type: string): type is EventType => Object.hasOwn(EVENTS, type)

/** Types `service` consumes. */
export const subscriptionsOf = (service: EventService): EventType[] =>
  (Object.keys(EVENTS) as EventType[]).filter((t) => (EVENTS[t].subscribers as readonly string[]).includes(service))
