/** Orders origin: order placement (the order saga's owner) and lookups. */
import { createOrigin } from '../../shared/app'
import { relayOutbox } from '../../shared/events/outbox'
import { originWorker, relayAfterResponse } from '../../shared/events/worker'
import { findKeyed, idempotencyKeyOf } from '../../shared/idempotency'
import { canAccess, requireCaller, requireOwner } from '../../shared/ownership'
import { notFoundProblem, problemResponse } from '../../shared/problem'
import { toPage } from '../../shared/schemas'
import type { OriginBindings } from '../../shared/types'
import { placeOrder, waitForOutcome } from './place'
import * as repo from './repo'
import { createOrder, getOrder, listOrders } from './routes'
import { sagaHandlers } from './saga'
import type { Order } from './schemas'

interface Bindings extends OriginBindings {
  INVENTORY: Fetcher
  USERS: Fetcher
  /**
   * How long POST /orders without `Prefer: respond-async` waits for the saga (ms,
   * default 8000): below the gateway's 15 s per-try budget for the route, so the
   * answer is 202 + Location rather than a gateway timeout.
   */
  ORDER_WAIT_MS?: string
  EVENT_RETRY_BASE_SECONDS?: string
}

const DEFAULT_WAIT_MS = 8000

const app = createOrigin<Bindings>('orders', { description: 'Orders and their items.', events: true })

/** RFC 7240 preferences: `respond-async`, and `wait=<seconds>` to shorten the wait. */
function preferences(header: string | undefined): { async: boolean; waitMs?: number } {
  const prefs = new Map<string, string>()
  for (const part of (header ?? '').split(',')) {
    const [token = ''] = part.split(';')
    const [name = '', value = ''] = token.split('=').map((s) => s.trim().replace(/^"|"$/g, ''))
    if (name) prefs.set(name.toLowerCase(), value)
  }
  const wait = prefs.get('wait')
  return { async: prefs.has('respond-async'), ...(wait && /^[0-9]{1,5}$/.test(wait) ? { waitMs: Number(wait) * 1000 } : {}) }
}

/** The answer for an order as it stands: 201 paid, 409 cancelled, 202 still pending (or shipped: 201). */
function answer(order: Order, async: boolean): Response {
  const location = `/orders/${order.id}`
  if (order.status === 'cancelled') {
    return problemResponse({
      status: 409,
      type: 'order-cancelled',
      title: 'Order cancelled',
      detail: `Order ${order.id} was cancelled (${order.cancellation_reason ?? 'no reason recorded'}); nothing is held or charged.`,
      instance: location,
      extensions: { order_id: order.id, cancellation_reason: order.cancellation_reason },
      headers: { Location: location },
    })
  }
  const status = order.status === 'pending' ? 202 : 201
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Location: location }
  if (async && status === 202) headers['Preference-Applied'] = 'respond-async'
  return new Response(JSON.stringify(order), { status, headers })
}

app.openapi(createOrder, async (c) => {
  const input = c.req.valid('json')
  // A customer orders for themselves only; checked before anything else.
  const caller = requireOwner(c, input.user_id)
  const prefer = preferences(c.req.header('prefer'))
  const key = idempotencyKeyOf(c)
  const keyed = key ? { caller: caller.subject, key } : null
  const db = c.env.DB

  const earlier = keyed ? await findKeyed(db, keyed.caller, keyed.key) : null
  const id = earlier ?? (await placeOrder({ db, users: c.env.USERS, inventory: c.env.INVENTORY }, input, keyed))
  if (prefer.async) {
    relayAfterResponse(c, 'orders')
  } else {
    // Sent now rather than after the response: the request waits for what follows.
    await relayOutbox(c.env, 'orders')
    const limit = Number(c.env.ORDER_WAIT_MS ?? DEFAULT_WAIT_MS)
    await waitForOutcome(db, id, Math.min(prefer.waitMs ?? limit, limit))
  }
  const order = await repo.getOrder(db, id)
  if (!order) throw new Error(`order ${id} vanished after it was written`)
  return answer(order, prefer.async) as never
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

export default originWorker(app, { service: 'orders', handlers: sagaHandlers<Bindings>() })
