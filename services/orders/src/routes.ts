/** Route declarations of the orders service (the OpenAPI document is built from these). */
import { createRoute } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { IdParams, json } from '../../shared/schemas'
import { CreateOrder, Order, OrderPage, OrdersQuery } from './schemas'

const tags = ['orders']

export const createOrder = createRoute({
  method: 'post',
  path: '/orders',
  tags,
  summary: 'Place an order, reserving stock for every item',
  description:
    'All or nothing: if any item cannot be reserved, the reservations already made are released and no order is written.',
  request: { body: { required: true, content: json(CreateOrder) } },
  responses: {
    201: { description: 'The order, with its items', content: json(Order) },
    ...problemResponses(400, 401, 403, 409, 415, 502),
  },
})

export const getOrder = createRoute({
  method: 'get',
  path: '/orders/{id}',
  tags,
  summary: 'Get one order with its items',
  request: { params: IdParams },
  responses: { 200: { description: 'The order', content: json(Order) }, ...problemResponses(400, 401, 404) },
})

export const listOrders = createRoute({
  method: 'get',
  path: '/orders',
  tags,
  summary: "List a user's orders, ordered by id",
  request: { query: OrdersQuery },
  responses: { 200: { description: 'A page of orders', content: json(OrderPage) }, ...problemResponses(400, 401, 403) },
})
