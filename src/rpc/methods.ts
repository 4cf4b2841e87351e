/** The RPC methods of the services the gateway exposes, by procedure path. */
import type { DescMethod } from '@bufbuild/protobuf'
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt'
import type { RpcServiceSpec } from '../endpoint/types'

/** A method by its procedure path (`switchyard.inventory.v1.InventoryService/GetStock`). */
export function rpcMethod(services: readonly RpcServiceSpec[], procedure: string): DescMethod | undefined {
  const [serviceName, methodName] = procedure.split('/')
  const service = services.find((s) => s.descriptor.typeName === serviceName)?.descriptor
  return service?.methods.find((m) => m.name === methodName)
}

/** `option idempotency_level = NO_SIDE_EFFECTS`: safe to send as GET, retry and coalesce. */
export function sideEffectFree(method: DescMethod): boolean {
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
}
