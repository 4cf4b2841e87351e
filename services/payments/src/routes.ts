/** Route declarations of the payments service (the OpenAPI document is built from these). */
import { createRoute } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { IdParams, json } from '../../shared/schemas'
import { Charge, ChargeList, ChargesQuery, CreateCharge, CreateRefund, MethodList, RefundResult, UserParams } from './schemas'

const tags = ['payments']

export const listMethods = createRoute({
  method: 'get',
  path: '/payments/users/{id}/methods',
  tags,
  summary: "A user's payment methods",
  request: { params: UserParams },
  responses: { 200: { description: 'Payment methods, default first', content: json(MethodList) }, ...problemResponses(400, 401, 403) },
})

export const createCharge = createRoute({
  method: 'post',
  path: '/payments/charges',
  tags,
  summary: "Charge one of the user's payment methods for an order",
  request: { body: { required: true, content: json(CreateCharge) } },
  responses: {
    201: { description: 'The charge', content: json(Charge) },
    ...problemResponses(400, 401, 403, 415, 422),
  },
})

export const getCharge = createRoute({
  method: 'get',
  path: '/payments/charges/{id}',
  tags,
  summary: 'Get one charge with its refunds',
  request: { params: IdParams },
  responses: { 200: { description: 'The charge', content: json(Charge) }, ...problemResponses(400, 401, 404) },
})

export const listCharges = createRoute({
  method: 'get',
  path: '/payments/charges',
  tags,
  summary: "An order's charges (its payment status)",
  request: { query: ChargesQuery },
  responses: { 200: { description: 'Charges, oldest first', content: json(ChargeList) }, ...problemResponses(400, 401) },
})

export const createRefund = createRoute({
  method: 'post',
  path: '/payments/charges/{id}/refunds',
  tags,
  summary: 'Refund part or all of a charge',
  request: { params: IdParams, body: { required: true, content: json(CreateRefund) } },
  responses: {
    201: { description: 'The refund and the charge status after it', content: json(RefundResult) },
    ...problemResponses(400, 404, 415, 422),
  },
})
