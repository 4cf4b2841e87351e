import type { CompositeSpec } from '../src/aggregate/types'

/** The composite both aggregation benches run: three parts, one stage. */
export const THREE_PARTS: CompositeSpec = {
  path: '/bench',
  parts: {
    profile: { service: 'users', path: '/users/{sub}', required: true },
    orders: { service: 'orders', path: '/orders?user={sub}&limit=5', map: { select: 'data' } },
    payment_methods: { service: 'payments', path: '/payments/users/{sub}/methods', map: { select: 'data' } },
  },
}
