/** Payments API shapes. */
import { z } from '@hono/zod-openapi'
import { Currency, Id, idString, Timestamp } from '../../shared/schemas'

const Amount = z.number().int().min(1).max(1_000_000_000_000)

export const PaymentMethod = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    brand: z.string().openapi({ example: 'visa' }),
    last4: z.string().openapi({ example: '4242' }),
    exp_month: z.number().int().min(1).max(12),
    exp_year: z.number().int(),
    is_default: z.boolean(),
  })
  .openapi('PaymentMethod')
export type PaymentMethod = z.infer<typeof PaymentMethod>

export const MethodList = z.object({ data: z.array(PaymentMethod) }).openapi('PaymentMethodList')

export const UserParams = z.object({
  id: idString('User id').openapi({ param: { name: 'id', in: 'path' } }),
})

export const CreateCharge = z
  .strictObject({
    order_id: Id,
    user_id: Id,
    amount_cents: Amount,
    currency: Currency,
    method_id: Id.openapi({ description: "One of the user's payment methods" }),
  })
  .openapi('CreateCharge')
export type CreateCharge = z.infer<typeof CreateCharge>

export const Refund = z
  .object({
    id: z.number().int(),
    charge_id: z.number().int(),
    amount_cents: z.number().int(),
    created_at: Timestamp,
  })
  .openapi('Refund')
export type Refund = z.infer<typeof Refund>

export const Charge = z
  .object({
    id: z.number().int(),
    order_id: z.number().int(),
    user_id: z.number().int(),
    method_id: z.number().int(),
    amount_cents: z.number().int(),
    currency: z.string(),
    status: z.enum(['succeeded', 'refunded', 'partially_refunded']),
    created_at: Timestamp,
    refunded_cents: z.number().int(),
    refunds: z.array(Refund),
  })
  .openapi('Charge')
export type Charge = z.infer<typeof Charge>

export const ChargeList = z.object({ data: z.array(Charge) }).openapi('ChargeList')

export const ChargesQuery = z.object({ order: idString('Order the charges belong to') })

export const CreateRefund = z.strictObject({ amount_cents: Amount }).openapi('CreateRefund')

export const RefundResult = Refund.extend({
  charge_status: Charge.shape.status,
  remaining_cents: z.number().int().openapi({ description: 'What can still be refunded' }),
}).openapi('RefundResult')
