/** The RPC procedures of the services the gateway exposes, by procedure path. */
import type { DescMethod } from '@bufbuild/protobuf'
import type { RpcProcedure, RpcServiceSpec } from '../endpoint/types'

/** A procedure by its path (`switchyard.inventory.v1.InventoryService/GetStock`), from plain data. */
export function rpcProcedure(services: readonly RpcServiceSpec[], procedure: string): RpcProcedure | undefined {
  const [serviceName, methodName] = procedure.split('/')
  return services.find((s) => s.typeName === serviceName)?.procedures.find((p) => p.name === methodName)
}

/** A method's descriptor by its procedure path; loads the service's descriptor. */
export async function rpcMethod(services: readonly RpcServiceSpec[], procedure: string): Promise<DescMethod | undefined> {
  const [serviceName, methodName] = procedure.split('/')
  const service = services.find((s) => s.typeName === serviceName)
  return (await service?.descriptor())?.methods.find((m) => m.name === methodName)
}

/** `option idempotency_level = NO_SIDE_EFFECTS`: safe to send as GET, retry and coalesce. */
export function sideEffectFree(procedure: RpcProcedure): boolean {
  return procedure.idempotency === 'NO_SIDE_EFFECTS'
}
