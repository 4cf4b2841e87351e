/**
 * What changed from v1 to v2, declared once; the gateway serves v1 from the v2
 * origins with it (src/versioning/transforms.ts). Keys are v2 routes.
 *
 * - users: v1 has only `{ id, name }`; v2 adds `email`, `role` and `created_at`.
 * - orders: v1 calls the ordering user `customer_id` (`?customer=` when listing);
 *   v2 renamed it `user_id` (`?user=`).
 * - orders: v1's `created_at` is Unix seconds (a number); v2's is an ISO 8601 string.
 */
import { convertField, eachItem, pick, pipe, renameFields, type Json, type VersionStep } from '../../src/versioning/transforms'

const userV1 = pick('id', 'name')

/** ISO 8601 → whole Unix seconds; a value that is not a date is left alone. */
const unixSeconds = (value: Json): Json => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN
  return Number.isNaN(ms) ? value : Math.floor(ms / 1000)
}

const orderV1 = pipe(renameFields({ user_id: 'customer_id' }), convertField('created_at', unixSeconds))

export const v1Changes: VersionStep = {
  from: 'v1',
  to: 'v2',
  summary:
    'v2 adds email, role and created_at to users; renames orders’ customer_id to user_id ' +
    '(?customer= to ?user=); and gives orders’ created_at as ISO 8601 instead of Unix seconds.',
  routes: {
    'GET /users': { response: eachItem(userV1) },
    'GET /users/:id': { response: userV1 },
    'PATCH /users/:id': { response: userV1 },
    'GET /users/me': { response: userV1 },
    'PATCH /users/me': { response: userV1 },
    'GET /orders': { request: { query: { customer: 'user' } }, response: eachItem(orderV1) },
    'POST /orders': { request: { body: { customer_id: 'user_id' } }, response: orderV1 },
    'GET /orders/:id': { response: orderV1 },
  },
}
