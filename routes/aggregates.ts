import type { Hono } from 'hono'
import { composite } from '../src/aggregate/composite'
import type { CompositeSpec } from '../src/aggregate/types'
import type { RoutePolicy } from '../src/auth/policy'
import { ProblemError } from '../wire/problem'
import { problems } from '../src/problem'
import type { GatewayEnv } from '../src/types'
import { originRequestHeaders, type ProxyOptions } from './proxy'
import type { RouteSpec } from './table'

/** A composite as a route: its parts, and who may call it (as on a route table entry). */
export interface CompositeRoute extends CompositeSpec {
  /** Route policy (src/auth/policy.ts); absent means any authenticated caller. */
  auth?: RoutePolicy
}

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

const PART_DROPPED_HEADERS = [
  'content-length',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
]

/** Composites per API version. */
export const compositeTables: Record<string, CompositeRoute[]> = { v2: v2Composites }

/**
 * A version's composites as route table entries, for what reads the tables without
 * mounting them: auth policies and the merged OpenAPI document.
 */
export function compositeRouteSpecs(version: string): RouteSpec[] {
  return (compositeTables[version] ?? []).map((c) => ({
    method: 'GET',
    path: c.path,
    service: 'composite',
    ...(c.auth !== undefined && { auth: c.auth }),
  }))
}

/**
 * Mounts a version's composites under `/api/<version>` (GET, with 405 for other
 * methods). Each is built once, here, so a broken table fails at start-up.
 */
export function mountAggregates(
  app: Hono<GatewayEnv>,
  version: string,
  options: ProxyOptions,
  composites: CompositeRoute[] = compositeTables[version] ?? [],
): void {
  for (const spec of composites) {
    const template = `/api/${version}${spec.path}`
    const upstream = composite(spec, options.registry)
    app.get(template, (c) => {
      c.set('routeTemplate', template)
      c.set('upstream', 'composite')
      // The verified caller reaches every part, as on a proxied route.
      const headers = originRequestHeaders(c, options)
      // Parts are plain JSON GETs: no body, no ranges, no conditions meant for the composite.
      for (const name of PART_DROPPED_HEADERS) headers.delete(name)
      headers.set('accept', 'application/json')
      return upstream(new Request(c.req.url, { headers }), {
        service: 'composite',
        route: template,
        requestId: c.get('requestId'),
        caller: c.get('identity')?.sub,
        params: c.req.param(),
        signal: c.req.raw.signal,
        waitUntil: (promise) => options.waitUntil(c, promise),
      })
    })
    app.all(template, (c) => {
      c.set('routeTemplate', template)
      throw ProblemError.of(problems.methodNotAllowed(['GET', 'HEAD']), { Allow: 'GET, HEAD' })
    })
  }
}
