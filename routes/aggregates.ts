import type { CompositeRoute } from './table'

/**
 * Composite endpoints: one edge call instead of several round trips. Each is a table
 * of named parts (see src/aggregate/types.ts); nothing here is per-endpoint code.
 */
export const v2Composites: CompositeRoute[] = [
  {
    // The caller's home screen: who they are, what they ordered, how they pay.
    path: '/me/dashboard',
    // The profile is the caller's own (as `/users/me`); orders and cards need their scopes.
    auth: { scopes: ['orders:read', 'payments:read'] },
    deadlineMs: 2500,
    parts: {
      profile: {
        service: 'users',
        path: '/users/{sub}',
        required: true,
        timeoutMs: 1000,
        map: { pick: ['id', 'name', 'email', 'role'] },
      },
      orders: {
        service: 'orders',
        path: '/orders?user={sub}&limit=5',
        timeoutMs: 1000,
        map: { select: 'data', pick: ['id', 'status', 'total_cents', 'currency', 'created_at'] },
      },
      payment_methods: {
        service: 'payments',
        path: '/payments/users/{sub}/methods',
        timeoutMs: 1000,
        map: { select: 'data', pick: ['id', 'brand', 'last4', 'exp_month', 'exp_year', 'is_default'] },
      },
    },
  },
  {
    // One order with its payment status and the stock of its SKUs (a second stage:
    // the SKUs come from the order).
    path: '/orders/:id/details',
    auth: { scopes: ['orders:read', 'payments:read'] },
    deadlineMs: 2500,
    parts: {
      order: { service: 'orders', path: '/orders/{id}', required: true, timeoutMs: 1000 },
      payment: {
        service: 'payments',
        path: '/payments/charges?order={id}',
        timeoutMs: 1000,
        map: { select: 'data', pick: ['id', 'status', 'amount_cents', 'refunded_cents', 'currency', 'created_at'] },
      },
      stock: {
        service: 'inventory',
        path: '/inventory?skus={order.items.sku}',
        timeoutMs: 1000,
        map: { select: 'data', pick: ['sku', 'name', 'available'] },
      },
    },
  },
]

/** Composites per API version, mounted under `/api/<version>` (GET). */
export const compositeTables: Record<string, CompositeRoute[]> = { v2: v2Composites }
