/** Orders API shapes. */
import { z } from '@hono/zod-openapi'
import { Cents, Currency, Id, idString, pageOf, PageQuery, Sku, Timestamp } from '../../shared/schemas'

export const OrderItem = z
  .object({
    sku: Sku,
    quantity: z.number().int().min(1).max(10_000),
    unit_price_cents: Cents,
  })
  .openapi('OrderItem')
export type OrderItem = z.infer<typeof OrderItem>

/** An item as a client sends it: the price comes from the catalogue; one sent must match it. */
const OrderItemInput = z.strictObject({
  ...OrderItem.shape,
  unit_price_cents: Cents.optional().openapi({
    description: 'Optional. Prices come from the inventory catalogue; a different price is refused (422).',
  }),
})

export const CreateOrder = z
  .strictObject({
    user_id: Id,
    items: z
      .array(OrderItemInput)
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU may appear only once'),
    currency: Currency,
    payment_method_id: Id.optional().openapi({ description: "One of the user's payment methods; default: the user's default method" }),
  })
  .openapi('CreateOrder')
export type CreateOrder = z.infer<typeof CreateOrder>

export const Order = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    status: z.enum(['pending', 'paid', 'shipped', 'cancelled']).openapi({
      description:
        '`pending` while the order saga runs (stock, then payment); `paid` once stock is held and the payment ' +
        'completed (the order is confirmed); `cancelled` with a `cancellation_reason` when either failed.',
    }),
    total_cents: z.number().int(),
    currency: z.string(),
    created_at: Timestamp,
    items: z.array(OrderItem),
    cancellation_reason: z
      .string()
      .nullable()
      .openapi({ description: 'Why the saga cancelled the order, e.g. `insufficient-stock: SKU-LIMITED-PIN`', example: null }),
  })
  .openapi('Order')
export type Order = z.infer<typeof Order>

export const OrderPage = pageOf(Order, 'OrderPage')

export const OrdersQuery = PageQuery.extend({ user: idString('Only orders of this user') })
