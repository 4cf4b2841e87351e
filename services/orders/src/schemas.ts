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

export const CreateOrder = z
  .strictObject({
    user_id: Id,
    items: z
      .array(z.strictObject(OrderItem.shape))
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU may appear only once'),
    currency: Currency,
  })
  .openapi('CreateOrder')
export type CreateOrder = z.infer<typeof CreateOrder>

export const Order = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    status: z.enum(['pending', 'paid', 'shipped', 'cancelled']),
    total_cents: z.number().int(),
    currency: z.string(),
    created_at: Timestamp,
    items: z.array(OrderItem),
  })
  .openapi('Order')
export type Order = z.infer<typeof Order>

export const OrderPage = pageOf(Order, 'OrderPage')

export const OrdersQuery = PageQuery.extend({ user: idString('Only orders of this user') })
