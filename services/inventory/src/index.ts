/** Inventory origin: stock levels and all-or-nothing reservations. */
import { createOrigin } from '../../shared/app'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import * as repo from './repo'
import { getStock, listStock, release, reserve } from './routes'

const app = createOrigin('inventory', { description: 'Stock levels and reservations.' })

app.openapi(getStock, async (c) => {
  const { sku } = c.req.valid('param')
  const item = await repo.getStock(c.env.DB, sku)
  if (!item) throw notFoundProblem('SKU', sku)
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

export default app
