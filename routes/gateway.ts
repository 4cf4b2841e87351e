/**
 * The gateway's own routes, at the root: answered by the gateway itself (no origin),
 * each by a named handler of the core. Like every table, who may call them is declared
 * here, never in handler code. Health, docs and the index are public; the status page
 * and the consumer/API-key admin are for the `admin` role (the admin by bearer token only).
 */
import type { GatewayRouteSpec } from './table'

const ADMIN = { roles: ['admin'], accept: 'token' } as const
const OPERATOR = { roles: ['admin'] }

export const gatewayRoutes: GatewayRouteSpec[] = [
  { method: 'GET', path: '/', serves: 'home', auth: 'public' },
  { method: 'GET', path: '/health/live', serves: 'health-live', auth: 'public' },
  { method: 'GET', path: '/health/startup', serves: 'health-startup', auth: 'public' },
  { method: 'GET', path: '/health/ready', serves: 'health-ready', auth: 'public' },
  { method: 'GET', path: '/status', serves: 'status', auth: OPERATOR },
  { method: 'GET', path: '/status.json', serves: 'status-json', auth: OPERATOR },
  { method: 'GET', path: '/openapi.json', serves: 'openapi', auth: 'public' },
  { method: 'GET', path: '/docs', serves: 'docs', auth: 'public' },
  { method: 'GET', path: '/docs/assets/:file', serves: 'docs-asset', auth: 'public' },
  { method: 'POST', path: '/admin/consumers', serves: 'consumers-create', auth: ADMIN },
  { method: 'GET', path: '/admin/consumers', serves: 'consumers-list', auth: ADMIN },
  { method: 'POST', path: '/admin/consumers/:id/keys', serves: 'keys-create', auth: ADMIN },
  { method: 'GET', path: '/admin/consumers/:id/keys', serves: 'keys-list', auth: ADMIN },
  { method: 'DELETE', path: '/admin/consumers/:id/keys/:keyId', serves: 'keys-revoke', auth: ADMIN },
]
