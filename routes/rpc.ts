/**
 * RPC services the gateway passes through at `/rpc/<package.Service>/<Method>` (Connect
 * JSON and binary, gRPC-web), and the policies of their procedures. Like the REST
 * tables, a procedure's `auth` is declared here, never in handler code.
 */
import { cors as connectCors } from '@connectrpc/connect'
import { DEFAULT_ALLOWED_HEADERS, DEFAULT_EXPOSED_HEADERS } from '../src/cors/config'
import { sideEffectFree } from '../src/rpc/methods'
import type { RouteSpec, RpcServiceSpec } from './table'

/**
 * Browser clients of Connect and gRPC-web send and read protocol headers of their own
 * (`Connect-Protocol-Version`, `X-Grpc-Web`, `Grpc-Status` …): allowed and exposed on
 * top of the defaults (origins stay the gateway's policy).
 */
const RPC_CORS = {
  methods: ['GET', 'POST'],
  allowHeaders: [...new Set([...DEFAULT_ALLOWED_HEADERS, ...connectCors.allowedHeaders])],
  exposeHeaders: [...new Set([...DEFAULT_EXPOSED_HEADERS, ...connectCors.exposedHeaders])],
}

export const rpcServices: RpcServiceSpec[] = [
  {
    typeName: 'switchyard.inventory.v1.InventoryService',
    procedures: [
      { name: 'GetStock', idempotency: 'NO_SIDE_EFFECTS' },
      { name: 'ListStock', idempotency: 'NO_SIDE_EFFECTS' },
      { name: 'ListReservations', idempotency: 'NO_SIDE_EFFECTS' },
    ],
    descriptor: () => import('../gen/switchyard/inventory/v1/inventory_pb').then((m) => m.InventoryService),
    service: 'inventory',
    // Stock levels are public over REST (the catalogue); the same data is public here.
    auth: 'public',
    // Who holds stock is back-office data.
    methods: { ListReservations: { auth: { roles: ['admin'] } } },
    cors: RPC_CORS,
  },
]

/** Where RPCs are mounted. */
export const RPC_PREFIX = '/rpc'

/**
 * The procedures as route-table entries under {@link RPC_PREFIX}: POST for every
 * procedure, GET too (Connect's GET encoding) for those declared free of side effects.
 */
export const rpcRoutes: RouteSpec[] = rpcServices.flatMap(({ typeName, procedures, service, auth, methods, cors }) =>
  procedures.flatMap((p) => {
    const path = `/${typeName}/${p.name}`
    const policy = methods?.[p.name]?.auth ?? auth
    const post: RouteSpec = { method: 'POST', path, service, auth: policy, ...(cors && { cors }) }
    return sideEffectFree(p) ? [post, { ...post, method: 'GET' }] : [post]
  }),
)
