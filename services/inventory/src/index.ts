/** Inventory origin: stock levels and all-or-nothing reservations. */
import { accepts } from 'hono/accepts'
import { createOrigin } from '../../shared/app'
import { originWorker } from '../../shared/events/worker'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import type { OriginBindings } from '../../shared/types'
import * as repo from './repo'
import { getStock, listStock, release, reserve } from './routes'
import { toCsv } from './csv'
import { mountProtocols } from './rpc'
import { expireHolds, sagaHandlers } from './saga'

interface Bindings extends OriginBindings {
  /** How long shared caches may serve a stock level (an ops knob; tests shorten it). */
  STOCK_CACHE_CONTROL?: string
  /** How long stock held for an order waits for its confirmation (seconds, default 600). */
  RESERVATION_TTL_SECONDS?: string
  EVENT_RETRY_BASE_SECONDS?: string
}

/** Stock is the same for every caller and changes often: a few seconds at the edge. */
const STOCK_CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=30'

const app = createOrigin<Bindings>('inventory', { description: 'Stock levels and reservations.', events: true })

app.openapi(getStock, async (c) => {
  const { sku } = c.req.valid('param')
  const item = await repo.getStock(c.env.DB, sku)
  if (!item) throw notFoundProblem('SKU', sku)
  c.header('Cache-Control', c.env.STOCK_CACHE_CONTROL ?? STOCK_CACHE_CONTROL)
  // The representation depends on Accept (JSON or CSV), so caches must key on it.
  c.header('Vary', 'Accept')
  if (accepts(c, { header: 'Accept', supports: ['application/json', 'text/csv'], default: 'application/json' }) === 'text/csv') {
    // CSV columns are positional for their readers: the price stays a JSON-only field.
    const { price_cents: _price, ...columns } = item
    return c.body(toCsv(columns), 200, { 'Content-Type': 'text/csv; charset=utf-8' })
  }
  return c.json(item, 200)
})

app.openapi(listStock, async (c) => {
  const { skus } = c.req.valid('query')
  const data = await repo.getStocks(c.env.DB, skus)
  const found = new Set(data.map((item) => item.sku))
  return c.json({ data, missing: skus.filter((sku) => !found.has(sku)) }, 200)
})

app.openapi(reserve, async (c) => {
  const { sku } = c.req.valid('param')
  const { quantity, order_id } = c.req.valid('json')
  const reservation = await repo.reserve(c.env.DB, sku, quantity, order_id ?? null)
  if (reservation) return c.json(reservation, 201)
  // Nothing was held; read only to explain why.
  const item = await repo.getStock(c.env.DB, sku)
  if (!item) throw notFoundProblem('SKU', sku)
  throw new ProblemError({
    status: 409,
    type: 'insufficient-stock',
    title: 'Insufficient stock',
    detail: `Requested ${quantity} of ${sku}, but only ${item.available} available.`,
    extensions: { sku, requested: quantity, available: item.available },
  })
})

app.openapi(release, async (c) => {
  const { sku } = c.req.valid('param')
  const { reservation_id } = c.req.valid('json')
  const reservation = await repo.release(c.env.DB, sku, reservation_id)
  if (!reservation) {
    throw new ProblemError({
      status: 404,
      type: 'not-found',
      title: 'Resource not found',
      detail: `Reservation ${reservation_id} of ${sku} does not exist.`,
    })
  }
  return c.json(reservation, 200)
})

mountProtocols(app)

export default originWorker(app, { service: 'inventory', handlers: sagaHandlers<Bindings>(), sweep: expireHolds })
