/**
 * Placing an order: the checks that need an answer now (the user exists, the SKUs and
 * prices are the catalogue's), then the order and its OrderPlaced event in one batch,
 * with the caller's Idempotency-Key when there is one. Everything after that is the saga.
 */
import type { CreateOrder, OrderItem } from './schemas'
import { outboxInsert } from '../../shared/events/outbox'
import { isKeyConflict, recordKey } from '../../shared/idempotency'
import { ProblemError } from '../../shared/problem'
import { now } from '../../shared/schemas'
import { catalogue, requireUser } from './dependencies'
import * as repo from './repo'

export interface PlaceDeps {
  db: D1Database
  users: Fetcher
  inventory: Fetcher
}

/** Items priced from the catalogue: 409 for an unknown SKU, 422 for a price that is not the catalogue's. */
async function priced(inventory: Fetcher, items: CreateOrder['items']): Promise<OrderItem[]> {
  const prices = await catalogue(inventory, items.map((i) => i.sku))
  return items.map((item) => {
    const price = prices.get(item.sku)
    if (price === undefined) {
      throw new ProblemError({
        status: 409,
        type: 'unknown-sku',
        title: 'Unknown SKU',
        detail: `${item.sku} is not in the catalogue; nothing was ordered.`,
        extensions: { sku: item.sku },
      })
    }
    if (item.unit_price_cents !== undefined && item.unit_price_cents !== price) {
      throw new ProblemError({
        status: 422,
        type: 'price-mismatch',
        title: 'Price differs from the catalogue',
        detail: `${item.sku} costs ${price} cents, not ${item.unit_price_cents}; omit unit_price_cents to use the catalogue price.`,
        extensions: { sku: item.sku, catalogue_price_cents: price, sent_price_cents: item.unit_price_cents },
      })
    }
    return { sku: item.sku, quantity: item.quantity, unit_price_cents: price }
  })
}

/**
 * Writes a new pending order and its OrderPlaced event. With `key`, returns the id of
 * the order an earlier request with the same caller and key placed instead, if any.
 */
export async function placeOrder(deps: PlaceDeps, input: CreateOrder, keyed: { caller: string; key: string } | null): Promise<number> {
  await requireUser(deps.users, input.user_id)
  const items = await priced(deps.inventory, input.items)
  const id = await repo.allocateOrderId(deps.db)
  const order = {
    id,
    user_id: input.user_id,
    status: 'pending' as const,
    total_cents: items.reduce((sum, i) => sum + i.quantity * i.unit_price_cents, 0),
    currency: input.currency,
    created_at: now(),
    payment_method_id: input.payment_method_id ?? null,
  }
  const placed = outboxInsert(deps.db, 'orders', 'OrderPlaced', `orders/${id}`, {
    order_id: id,
    user_id: order.user_id,
    items,
    total_cents: order.total_cents,
    currency: order.currency,
    payment_method_id: order.payment_method_id,
  })
  try {
    await deps.db.batch([
      ...repo.insertOrder(deps.db, order, items),
      placed.statement,
      ...(keyed ? [recordKey(deps.db, keyed.caller, keyed.key, id)] : []),
    ])
  } catch (err) {
    // A concurrent request with the same key committed first: its order is the answer.
    if (keyed && isKeyConflict(err)) {
      const first = await deps.db
        .prepare('SELECT resource_id FROM idempotency_keys WHERE caller = ?1 AND key = ?2')
        .bind(keyed.caller, keyed.key)
        .first<{ resource_id: number }>()
      if (first) return first.resource_id
    }
    throw err
  }
  return id
}

/** Polls the order until the saga ends it or `waitMs` passes; the last status seen. */
export async function waitForOutcome(db: D1Database, id: number, waitMs: number): Promise<string | null> {
  const deadline = Date.now() + waitMs
  let pause = 20
  for (;;) {
    const status = await repo.statusOf(db, id)
    if (status !== 'pending' || Date.now() + pause > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, pause))
    pause = Math.min(pause * 2, 250)
  }
}
