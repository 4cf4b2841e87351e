/** Route declarations of the orders service (the OpenAPI document is built from these). */
import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { IdParams, json } from '../../shared/schemas'
import { CreateOrder, Order, OrderPage, OrdersQuery } from './schemas'

const tags = ['orders']

export const createOrder = createRoute({
  method: 'post',
  path: '/orders',
  tags,
  summary: 'Place an order; the order saga holds its stock, then charges it',
  description:
    'Prices come from the inventory catalogue. The order is written with status `pending` and an `OrderPlaced` ' +
    'event; inventory holds every item or none, then payments charges the payment method (the default one unless ' +
    '`payment_method_id` is given) for the total. The order ends `paid` (confirmed) or `cancelled`, and whatever ' +
    'was done is compensated (held stock released, a charge refunded).\n\n' +
    'With `Prefer: respond-async` the answer is `202` at once, with `Location` to poll. Without it the request ' +
    'waits for the outcome (a few seconds at most): `201` when paid, `409` when cancelled, `202` if still running. ' +
    'An `Idempotency-Key` makes a repeat of the request answer with the order the first one placed.',
  request: {
    headers: z.object({
      prefer: z.string().optional().openapi({ description: 'RFC 7240; `respond-async` answers 202 at once', example: 'respond-async' }),
      'idempotency-key': z.string().optional().openapi({ description: 'A repeat with the same key answers with the same order' }),
    }),
    body: { required: true, content: json(CreateOrder) },
  },
  responses: {
    201: { description: 'The order, paid (confirmed)', content: json(Order) },
    202: { description: 'The order, still `pending`: poll its `Location`', content: json(Order) },
    ...problemResponses(400, 401, 403, 409, 415, 422, 502),
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
