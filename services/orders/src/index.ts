/** Orders origin: order placement (reserving stock through inventory) and lookups. */
import { createOrigin } from '../../shared/app'
import { canAccess, requireCaller, requireOwner } from '../../shared/ownership'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import type { OriginBindings } from '../../shared/types'
import { now, toPage } from '../../shared/schemas'
import { releaseAll, reserveStock, type ReserveOutcome } from './inventory'
import * as repo from './repo'
import { createOrder, getOrder, listOrders } from './routes'

interface Bindings extends OriginBindings {
  INVENTORY: Fetcher
}

const app = createOrigin<Bindings>('orders', { description: 'Orders and their items.' })

/** 409 when inventory refused the reservation (no stock, unknown SKU), else 502: inventory failed. */
function reservationProblem(sku: string, outcome: Extract<ReserveOutcome, { ok: false }>): ProblemError {
  if (outcome.status === 409 || outcome.status === 404) {
    const unknown = outcome.status === 404
    return new ProblemError({
      status: 409,
      type: unknown ? 'unknown-sku' : 'insufficient-stock',
      title: unknown ? 'Unknown SKU' : 'Insufficient stock',
      detail: outcome.problem?.detail ?? `${sku} could not be reserved.`,
      extensions: { sku },
    })
  }
  return new ProblemError({
    status: 502,
    type: 'dependency-failed',
    title: 'Inventory unavailable',
    detail: `The inventory service failed while reserving ${sku}; nothing was ordered.`,
    extensions: { sku, dependency: 'inventory', dependency_status: outcome.status || null },
  })
}

app.openapi(createOrder, async (c) => {
  const input = c.req.valid('json')
  // A customer orders for themselves only; checked before any stock is held.
  requireOwner(c, input.user_id)
  const id = await repo.allocateOrderId(c.env.DB)

  // One at a time, so a refusal stops further reservations and only held ones need releasing.
  const held: { sku: string; reservationId: number }[] = []
  for (const item of input.items) {
    const outcome = await reserveStock(c.env.INVENTORY, item, id)
    if (!outcome.ok) {
      await releaseAll(c.env.INVENTORY, held)
      throw reservationProblem(item.sku, outcome)
    }
    held.push({ sku: item.sku, reservationId: outcome.reservationId })
  }

  const order = {
    id,
    user_id: input.user_id,
    status: 'pending' as const,
    total_cents: input.items.reduce((sum, i) => sum + i.quantity * i.unit_price_cents, 0),
    currency: input.currency,
    created_at: now(),
  }
  try {
    await repo.insertOrder(
      c.env.DB,
      order,
      input.items.map((item, n) => ({ ...item, reservation_id: held[n]!.reservationId })),
    )
  } catch (err) {
    await releaseAll(c.env.INVENTORY, held)
    throw err
  }
  return c.json({ ...order, items: input.items }, 201, { Location: `/orders/${id}` })
})

app.openapi(getOrder, async (c) => {
  const { id } = c.req.valid('param')
  const caller = requireCaller(c)
  const order = await repo.getOrder(c.env.DB, id)
  // Someone else's order answers as a missing one: its existence is not revealed.
  if (!order || !canAccess(caller, order.user_id)) throw notFoundProblem('Order', id)
  return c.json(order, 200)
})

app.openapi(listOrders, async (c) => {
  const { user, limit, cursor } = c.req.valid('query')
  requireOwner(c, user)
  const rows = await repo.listOrders(c.env.DB, user, cursor ?? 0, limit)
  return c.json(toPage(rows, limit), 200)
})

export default app
