import { docsRoutes, type RouteSpec } from '../table'

/** v2: the newest contract, served as the origins implement it. */
export const v2Routes: RouteSpec[] = [
  { method: 'GET', path: '/users', service: 'users' },
  { method: 'GET', path: '/users/:id', service: 'users' },
  { method: 'PATCH', path: '/users/:id', service: 'users' },

  { method: 'GET', path: '/orders', service: 'orders' },
  { method: 'POST', path: '/orders', service: 'orders' },
  { method: 'GET', path: '/orders/:id', service: 'orders' },

  { method: 'GET', path: '/payments/users/:id/methods', service: 'payments' },
  { method: 'GET', path: '/payments/charges', service: 'payments' },
  { method: 'POST', path: '/payments/charges', service: 'payments', rateLimit: { group: 'payments-write' } },
  { method: 'GET', path: '/payments/charges/:id', service: 'payments' },
  { method: 'POST', path: '/payments/charges/:id/refunds', service: 'payments', rateLimit: { group: 'payments-write' } },

  { method: 'GET', path: '/inventory', service: 'inventory' },
  { method: 'GET', path: '/inventory/:sku', service: 'inventory' },
  { method: 'POST', path: '/inventory/:sku/reserve', service: 'inventory' },
  { method: 'POST', path: '/inventory/:sku/release', service: 'inventory' },

  ...['auth', 'users', 'orders', 'payments', 'inventory'].flatMap(docsRoutes),
]
