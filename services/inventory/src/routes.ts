/** Route declarations of the inventory service (the OpenAPI document is built from these). */
import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { json } from '../../shared/schemas'
import { ReleaseBody, Reservation, ReserveBody, SkuParams, SkusQuery, StockItem, StockList } from './schemas'

const tags = ['inventory']

export const getStock = createRoute({
  method: 'get',
  path: '/inventory/{sku}',
  tags,
  summary: 'Stock level of one SKU',
  description:
    'Shared caches may keep it a few seconds (`Cache-Control: public`). `Accept: text/csv` answers the row as CSV with a header line (`Vary: Accept`).',
  request: { params: SkuParams },
  responses: {
    200: {
      description: 'The stock row',
      content: {
        ...json(StockItem),
        'text/csv': { schema: z.string().openapi({ example: 'sku,name,on_hand,reserved,available\r\nSKU-RED-MUG,Red mug,120,0,120\r\n' }) },
      },
    },
    ...problemResponses(400, 404),
  },
})

export const listStock = createRoute({
  method: 'get',
  path: '/inventory',
  tags,
  summary: 'Stock levels of several SKUs',
  request: { query: SkusQuery },
  responses: { 200: { description: 'Known SKUs, and the unknown ones', content: json(StockList) }, ...problemResponses(400) },
})

export const reserve = createRoute({
  method: 'post',
  path: '/inventory/{sku}/reserve',
  tags,
  summary: 'Hold stock (all or nothing)',
  request: { params: SkuParams, body: { required: true, content: json(ReserveBody) } },
  responses: {
    201: { description: 'Stock held', content: json(Reservation) },
    ...problemResponses(400, 404, 409, 415),
  },
})

export const release = createRoute({
  method: 'post',
  path: '/inventory/{sku}/release',
  tags,
  summary: 'Release a reservation (idempotent)',
  request: { params: SkuParams, body: { required: true, content: json(ReleaseBody) } },
  responses: {
    200: { description: 'The reservation, now released', content: json(Reservation) },
    ...problemResponses(400, 404, 415),
  },
})
