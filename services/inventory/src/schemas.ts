/** Inventory API shapes. */
import { z } from '@hono/zod-openapi'
import { Id, Sku, Timestamp } from '../../shared/schemas'

export const SkuParams = z.object({ sku: Sku.openapi({ param: { name: 'sku', in: 'path' } }) })

/** `?skus=A,B,C`: 1..100 distinct SKUs. */
export const SkusQuery = z.object({
  skus: z
    .string()
    .transform((s) => [...new Set(s.split(','))])
    .pipe(z.array(Sku).min(1).max(100))
    .openapi({ type: 'string', description: 'Comma-separated SKUs (at most 100)', example: 'SKU-RED-MUG,SKU-BLUE-CAP' }),
})

export const StockItem = z
  .object({
    sku: Sku,
    name: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int().openapi({ description: 'on_hand - reserved' }),
    price_cents: z.number().int().openapi({ description: 'Catalogue price of one unit; orders are priced from it' }),
  })
  .openapi('StockItem')
export type StockItem = z.infer<typeof StockItem>

export const StockList = z
  .object({ data: z.array(StockItem), missing: z.array(z.string()).openapi({ description: 'Requested SKUs that do not exist' }) })
  .openapi('StockList')

export const ReserveBody = z
  .strictObject({
    quantity: z.number().int().min(1).max(1_000_000),
    order_id: Id.optional().openapi({ description: 'Order the stock is held for' }),
  })
  .openapi('ReserveRequest')

export const ReleaseBody = z.strictObject({ reservation_id: Id }).openapi('ReleaseRequest')

export const Reservation = z
  .object({
    reservation_id: z.number().int(),
    sku: Sku,
    order_id: z.number().int().nullable(),
    quantity: z.number().int(),
    status: z.enum(['held', 'released']),
    created_at: Timestamp,
    released_at: Timestamp.nullable(),
  })
  .openapi('Reservation')
export type Reservation = z.infer<typeof Reservation>
