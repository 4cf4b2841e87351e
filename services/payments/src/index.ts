/** Payments origin: payment methods, charges for orders, refunds. */
import { createOrigin } from '../../shared/app'
import { canAccess, isAdmin, requireCaller, requireOwner } from '../../shared/ownership'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import * as repo from './repo'
import { createCharge, createRefund, getCharge, listCharges, listMethods } from './routes'

const app = createOrigin('payments', { description: 'Payment methods, charges and refunds.' })

app.openapi(listMethods, async (c) => {
  const { id } = c.req.valid('param')
  requireOwner(c, id)
  // One user's data: a private cache (or a per-user entry at the edge) may keep it a minute.
  c.header('Cache-Control', 'private, max-age=60')
  return c.json({ data: await repo.listMethods(c.env.DB, id) }, 200)
})

app.openapi(createCharge, async (c) => {
  const input = c.req.valid('json')
  // Only the card holder (or an admin) charges; the insert also checks the method is theirs.
  requireOwner(c, input.user_id)
  const charge = await repo.insertCharge(c.env.DB, input, new Date())
  if (charge) return c.json(charge, 201, { Location: `/payments/charges/${charge.id}` })
  // Nothing was written; read only to explain why.
  const method = await repo.getMethod(c.env.DB, input.method_id)
  if (method && method.user_id === input.user_id) {
    throw new ProblemError({
      status: 422,
      type: 'card-expired',
      title: 'Payment method expired',
      detail: `Payment method ${input.method_id} expired ${method.exp_month}/${method.exp_year}.`,
      extensions: { method_id: input.method_id },
    })
  }
  // Same answer for "someone else's" and "no such method": do not reveal which.
  throw new ProblemError({
    status: 422,
    type: 'payment-method-invalid',
    title: 'Payment method not usable',
    detail: `Payment method ${input.method_id} does not belong to user ${input.user_id}.`,
    extensions: { method_id: input.method_id, user_id: input.user_id },
  })
})

app.openapi(getCharge, async (c) => {
  const { id } = c.req.valid('param')
  const caller = requireCaller(c)
  const charge = await repo.getCharge(c.env.DB, id)
  // Someone else's charge answers as a missing one: its existence is not revealed.
  if (!charge || !canAccess(caller, charge.user_id)) throw notFoundProblem('Charge', id)
  return c.json(charge, 200)
})

app.openapi(listCharges, async (c) => {
  const { order } = c.req.valid('query')
  const caller = requireCaller(c)
  // A customer sees only their own charges: someone else's order looks unpaid, not refused,
  // so order ids reveal nothing. (Payments has no orders table to check the order's owner.)
  const owner = isAdmin(caller) ? null : Number(caller.subject)
  return c.json({ data: await repo.listCharges(c.env.DB, order, owner) }, 200)
})

app.openapi(createRefund, async (c) => {
  const { id } = c.req.valid('param')
  const { amount_cents } = c.req.valid('json')
  const { refund, charge } = await repo.refund(c.env.DB, id, amount_cents)
  if (!charge) throw notFoundProblem('Charge', id)
  if (!refund) {
    throw new ProblemError({
      status: 422,
      type: 'refund-exceeds-charge',
      title: 'Refund exceeds remaining amount',
      detail: `Cannot refund ${amount_cents}; ${charge.remaining_cents} of charge ${id} remains refundable.`,
      extensions: { charge_id: id, requested_cents: amount_cents, remaining_cents: charge.remaining_cents },
    })
  }
  return c.json({ ...refund, charge_status: charge.status, remaining_cents: charge.remaining_cents }, 201, {
    Location: `/payments/charges/${id}`,
  })
})

export default app
