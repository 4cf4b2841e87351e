import type { RouteSpec } from './table'

/**
 * Routes at the gateway's root, outside any API version: the issuer's JWKS at the
 * standard place, so clients and other verifiers can find it from the gateway's origin.
 */
export const wellKnownRoutes: RouteSpec[] = [
  { method: 'GET', path: '/.well-known/jwks.json', service: 'auth', auth: 'public' },
]
