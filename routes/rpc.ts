/**
 * RPC services the gateway passes through at `/rpc/<package.Service>/<Method>` (Connect
 * JSON and binary, gRPC-web), and the policies of their procedures. Like the REST
 * tables, a procedure's `auth` is declared here, never in handler code.
 */
import type { DescMethod, DescService } from '@bufbuild/protobuf'
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt'
import { InventoryService } from '../gen/switchyard/inventory/v1/inventory_pb'
import { cors as connectCors } from '@connectrpc/connect'
import type { RoutePolicy } from '../src/auth/policy'
import { DEFAULT_ALLOWED_HEADERS, DEFAULT_EXPOSED_HEADERS } from '../src/cors/config'
import type { RouteSpec } from './table'

export interface RpcServiceSpec {
  descriptor: DescService
  /** Registry name of the origin that serves it. */
  service: string
  /** Policy of every procedure without one of its own. */
  auth: RoutePolicy
  /** Per-procedure policies, by method name (`ListReservations`). */
  methods?: Record<string, { auth: RoutePolicy }>
}

export const rpcServices: RpcServiceSpec[] = [
  {
    descriptor: InventoryService,
    service: 'inventory',
    // Stock levels are public over REST (the catalogue); the same data is public here.
    auth: 'public',
    // Who holds stock is back-office data.
    methods: { ListReservations: { auth: { roles: ['admin'] } } },
  },
]

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

/** Where RPCs are mounted. */
export const RPC_PREFIX = '/rpc'

/** A method by its procedure path (`switchyard.inventory.v1.InventoryService/GetStock`). */
export function rpcMethod(procedure: string): DescMethod | undefined {
  const [serviceName, methodName] = procedure.split('/')
  const service = rpcServices.find((s) => s.descriptor.typeName === serviceName)?.descriptor
  return service?.methods.find((m) => m.name === methodName)
}

/**
 * The procedures as route-table entries under {@link RPC_PREFIX}, for the auth policies
 * and the limiter's route scope: POST for every procedure, GET too (Connect's GET
 * encoding) for those declared free of side effects.
 */
export const rpcRoutes: RouteSpec[] = rpcServices.flatMap(({ descriptor, service, auth, methods }) =>
  descriptor.methods
    .filter((m) => m.methodKind === 'unary')
    .flatMap((m) => {
      const path = `/${descriptor.typeName}/${m.name}`
      const policy = methods?.[m.name]?.auth ?? auth
      const post: RouteSpec = { method: 'POST', path, service, auth: policy, cors: RPC_CORS }
      return sideEffectFree(m) ? [post, { ...post, method: 'GET' }] : [post]
    }),
)

/** `option idempotency_level = NO_SIDE_EFFECTS`: safe to send as GET, retry and coalesce. */
export function sideEffectFree(method: DescMethod): boolean {
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
}
