/** Payments origin: payment methods, charges for orders, refunds. */
import { createOrigin } from '../../shared/app'
import { originWorker } from '../../shared/events/worker'
import { findKeyed, idempotencyKeyOf, isKeyConflict } from '../../shared/idempotency'
import { callerOf, canAccess, isAdmin, requireCaller, requireOwner } from '../../shared/ownership'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import type { OriginBindings } from '../../shared/types'
import * as repo from './repo'
import { createCharge, createRefund, getCharge, listCharges, listMethods } from './routes'
import { sagaHandlers } from './saga'

interface Bindings extends OriginBindings {
  EVENT_RETRY_BASE_SECONDS?: string
}

const app = createOrigin<Bindings>('payments', { description: 'Payment methods, charges and refunds.', events: true })

/**
 * Runs a keyed write once per (caller, Idempotency-Key): the id an earlier request with
 * the key created, else `write()`'s; a concurrent twin that committed first wins.
 */
async function once(db: D1Database, keyed: repo.Keyed, write: () => Promise<number | null>): Promise<{ id: number | null; repeat: boolean }> {
  const earlier = keyed ? await findKeyed(db, keyed.caller, keyed.key) : null
  if (earlier !== null) return { id: earlier, repeat: true }
  try {
    return { id: await write(), repeat: false }
  } catch (err) {
    const winner = keyed && isKeyConflict(err) ? await findKeyed(db, keyed.caller, keyed.key) : null
    if (winner === null) throw err
    return { id: winner, repeat: true }
  }
}

const keyedBy = (c: Parameters<typeof idempotencyKeyOf>[0], caller: { subject: string }): repo.Keyed => {
  const key = idempotencyKeyOf(c)
  return key ? { caller: caller.subject, key } : null
}

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
  const caller = requireOwner(c, input.user_id)
  const keyed = keyedBy(c, caller)
  const { id } = await once(c.env.DB, keyed, async () => (await repo.insertCharge(c.env.DB, input, new Date(), keyed))?.id ?? null)
  const charge = id === null ? null : await repo.getCharge(c.env.DB, id)
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
  // Refunds are admin-only at the gateway; the key is scoped to whoever the gateway forwarded.
  const keyed = keyedBy(c, { subject: callerOf(c)?.subject ?? '' })
  let outcome: repo.RefundOutcome = { refund: null, charge: null }
  const done = await once(c.env.DB, keyed, async () => {
    outcome = await repo.refund(c.env.DB, id, amount_cents, keyed)
    return outcome.refund?.id ?? null
  })
  if (done.repeat && done.id !== null) {
    // The first request's refund, with the charge as it stands now.
    const first = await repo.getRefund(c.env.DB, done.id)
    const charge = first ? await repo.getCharge(c.env.DB, first.charge_id) : null
    if (first && charge) {
      const remaining = charge.amount_cents - charge.refunded_cents
      return c.json({ ...first, charge_status: charge.status, remaining_cents: remaining }, 201, { Location: `/payments/charges/${charge.id}` })
    }
  }
  const { refund, charge } = outcome
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

export default originWorker(app, { service: 'payments', handlers: sagaHandlers<Bindings>() })
