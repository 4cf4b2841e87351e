import { deadLetterRoutes, docsRoutes, EVENT_SERVICES, type RouteSpec } from '../table'

const INVENTORY_RPC = { service: 'switchyard.inventory.v1.InventoryService' }

/**
 * v2: the newest contract, served as the origins implement it. `auth` is each route's
 * policy (src/auth/policy.ts): absent = any valid token; scopes come from the token's
 * `scope` claim (services/auth/src/scopes.ts maps roles to them). `accept: 'either'`:
 * machine consumers may call with an API key too (src/apikeys/).
 */
export const v2Routes: RouteSpec[] = [
  // First: `/users/:id` would match `/users/openapi.json` too, and the first matching entry wins.
  ...['auth', 'users', 'orders', 'payments', 'inventory'].flatMap(docsRoutes),
  ...EVENT_SERVICES.flatMap(deadLetterRoutes),

  // Failed logins are limited per address and per account (the body's `email`), refreshes per address.
  { method: 'POST', path: '/auth/login', service: 'auth', auth: 'public', rateLimit: { failures: { account: 'email' } } },
  { method: 'POST', path: '/auth/refresh', service: 'auth', auth: 'public', rateLimit: { failures: {} } },
  { method: 'POST', path: '/auth/logout', service: 'auth', auth: 'public' },

  // Before /users/:id, which would match "me" too: the first matching entry wins.
  { method: 'GET', path: '/users/me', service: 'users', originPath: '/users/{sub}' },
  { method: 'PATCH', path: '/users/me', service: 'users', originPath: '/users/{sub}' },
  { method: 'GET', path: '/users', service: 'users', operationId: 'listUsers', auth: { scopes: ['users:read'], accept: 'either' } },
  { method: 'GET', path: '/users/:id', service: 'users', operationId: 'getUser', auth: { scopes: ['users:read'], accept: 'either' } },
  { method: 'PATCH', path: '/users/:id', service: 'users', operationId: 'patchUser', auth: { scopes: ['users:write'] } },

  { method: 'GET', path: '/orders', service: 'orders', operationId: 'listOrders', auth: { scopes: ['orders:read'], accept: 'either' } },
  // Creating an order reserves stock item by item at the inventory origin: a longer budget.
  {
    method: 'POST',
    path: '/orders',
    operationId: 'createOrder',
    service: 'orders',
    auth: { scopes: ['orders:write'] },
    timeout: { perTryMs: 15_000, deadlineMs: 20_000 },
    // A repeated keyed POST replays the first answer instead of placing a second order.
    idempotency: {},
  },
  { method: 'GET', path: '/orders/:id', service: 'orders', operationId: 'getOrder', auth: { scopes: ['orders:read'], accept: 'either' } },

  {
    method: 'GET',
    path: '/payments/users/:id/methods',
    operationId: 'listMethods',
    service: 'payments',
    auth: { scopes: ['payments:read'] },
    // The origin allows private caching: each caller gets an edge entry of their own.
    cache: { perUser: true },
  },
  { method: 'GET', path: '/payments/charges', service: 'payments', operationId: 'listCharges', auth: { scopes: ['payments:read'] } },
  // Charging a card waits on the card network: a longer budget than other calls.
  {
    method: 'POST',
    path: '/payments/charges',
    operationId: 'createCharge',
    service: 'payments',
    auth: { scopes: ['payments:write'] },
    timeout: { perTryMs: 10_000, deadlineMs: 15_000 },
    rateLimit: { group: 'payments-write' },
    idempotency: {},
  },
  { method: 'GET', path: '/payments/charges/:id', service: 'payments', operationId: 'getCharge', auth: { scopes: ['payments:read'] } },
  {
    method: 'POST',
    path: '/payments/charges/:id/refunds',
    operationId: 'createRefund',
    service: 'payments',
    auth: { roles: ['admin'] },
    rateLimit: { group: 'payments-write' },
    // Two partial refunds of one charge are both valid: only a key tells a retry apart.
    idempotency: { required: true },
  },

  // The catalogue is public; holding stock is for the back office.
  { method: 'GET', path: '/inventory', service: 'inventory', operationId: 'listStock', auth: 'public' },
  // Stock levels: the origin allows shared caching for a few seconds.
  { method: 'GET', path: '/inventory/:sku', service: 'inventory', operationId: 'getStock', auth: 'public', cache: {} },
  { method: 'POST', path: '/inventory/:sku/reserve', service: 'inventory', operationId: 'reserve', auth: { scopes: ['inventory:write'], accept: 'either' } },
  { method: 'POST', path: '/inventory/:sku/release', service: 'inventory', operationId: 'release', auth: { scopes: ['inventory:write'], accept: 'either' } },

  // The same stock, answered by InventoryService over Connect (binary) and turned into JSON.
  { method: 'GET', path: '/stock', service: 'inventory', auth: 'public', rpc: { ...INVENTORY_RPC, method: 'ListStock' } },
  {
    method: 'GET',
    path: '/stock/:sku',
    service: 'inventory',
    auth: 'public',
    rpc: { ...INVENTORY_RPC, method: 'GetStock', responseBody: 'item' },
  },
  {
    method: 'GET',
    path: '/stock/:sku/reservations',
    service: 'inventory',
    auth: { roles: ['admin'] },
    rpc: { ...INVENTORY_RPC, method: 'ListReservations' },
  },
  // Live stock levels: Server-Sent Events, and a WebSocket for signed-in clients.
  { method: 'GET', path: '/inventory/:sku/feed', service: 'inventory', auth: 'public', stream: 'sse' },
  { method: 'GET', path: '/inventory/:sku/live', service: 'inventory', auth: { scopes: ['inventory:read'] }, stream: 'websocket' },
]
