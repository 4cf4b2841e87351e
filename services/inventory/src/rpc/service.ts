/**
 * InventoryService (proto/switchyard/inventory/v1/inventory.proto): the same D1 rows as
 * the REST routes, as Connect RPCs. Errors are ConnectErrors; the handler writes them in
 * the caller's protocol (Connect JSON or gRPC-web trailers).
 */
import { create } from '@bufbuild/protobuf'
import { Code, ConnectError, createContextKey, type HandlerContext, type ServiceImpl } from '@connectrpc/connect'
import {
  GetStockResponseSchema,
  InventoryService,
  ListReservationsResponseSchema,
  ListStockResponseSchema,
  ReservationSchema,
  StockItemSchema,
} from '../../../../gen/switchyard/inventory/v1/inventory_pb'
import * as repo from '../repo'
import type { StockItem } from '../schemas'

/** The Worker's D1 database, handed to each call by the fetch handler. */
export const databaseKey = createContextKey<D1Database | undefined>(undefined, { description: 'inventory D1' })

/** Same rule as the REST routes' `Sku` schema (services/shared/schemas.ts). */
const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/
const MAX_SKUS = 100

function db(ctx: HandlerContext): D1Database {
  const database = ctx.values.get(databaseKey)
  if (!database) throw new ConnectError('The inventory database is not bound.', Code.Internal)
  return database
}

function checkSku(sku: string, field = 'sku'): string {
  if (!SKU.test(sku)) throw new ConnectError(`${field} must be 1-64 upper-case letters, digits or dashes`, Code.InvalidArgument)
  return sku
}

const toMessage = (row: StockItem) =>
  create(StockItemSchema, {
    sku: row.sku,
    name: row.name,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.available,
    priceCents: row.price_cents,
  })

interface ReservationRow {
  reservation_id: number
  sku: string
  order_id: number | null
  quantity: number
  status: string
  created_at: string
  released_at: string | null
}

export const inventoryService: ServiceImpl<typeof InventoryService> = {
  async getStock(req, ctx) {
    const sku = checkSku(req.sku)
    const row = await repo.getStock(db(ctx), sku)
    if (!row) throw new ConnectError(`SKU ${sku} does not exist.`, Code.NotFound)
    return create(GetStockResponseSchema, { item: toMessage(row) })
  },

  async listStock(req, ctx) {
    const skus = [...new Set(req.skus)]
    if (skus.length === 0 || skus.length > MAX_SKUS) {
      throw new ConnectError(`skus must name 1-${MAX_SKUS} SKUs`, Code.InvalidArgument)
    }
    skus.forEach((sku) => checkSku(sku, 'skus'))
    const rows = await repo.getStocks(db(ctx), skus)
    const found = new Set(rows.map((row) => row.sku))
    return create(ListStockResponseSchema, { items: rows.map(toMessage), missing: skus.filter((sku) => !found.has(sku)) })
  },

  async listReservations(req, ctx) {
    const sku = checkSku(req.sku)
    const database = db(ctx)
    if (!(await repo.getStock(database, sku))) throw new ConnectError(`SKU ${sku} does not exist.`, Code.NotFound)
    const { results } = await database
      .prepare(
        `SELECT id AS reservation_id, sku, order_id, quantity, status, created_at, released_at
         FROM reservations WHERE sku = ?1 ORDER BY id DESC LIMIT 100`,
      )
      .bind(sku)
      .all<ReservationRow>()
    const reservations = results.map((row) =>
      create(ReservationSchema, {
        reservationId: BigInt(row.reservation_id),
        sku: row.sku,
        orderId: BigInt(row.order_id ?? 0),
        quantity: row.quantity,
        status: row.status,
        createdAt: row.created_at,
        releasedAt: row.released_at ?? '',
      }),
    )
    return create(ListReservationsResponseSchema, { reservations })
  },
}
