import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt'
import { describe, expect, it } from 'vitest'
import { TABLES } from '../app/gateway'
import { InventoryService } from '../gen/switchyard/inventory/v1/inventory_pb'
import { rpcServices } from '../routes/rpc'
import { transcodeCodec, type RpcRoute } from '../src/rpc/transcode-codec'

// The route table is built from plain data (routes/rpc.ts) so that cold isolates do not
// load the descriptors; these tests keep that data equal to the generated descriptors.
describe('RPC procedures as plain data', () => {
  it('each service lists exactly the unary methods of its descriptor, with their idempotency level', async () => {
    expect(rpcServices.map((s) => s.typeName)).toEqual([InventoryService.typeName])
    for (const service of rpcServices) {
      const descriptor = await service.descriptor()
      expect(descriptor).toBe(InventoryService)
      expect(service.typeName).toBe(descriptor.typeName)
      const fromDescriptor = descriptor.methods
        .filter((m) => m.methodKind === 'unary')
        .map((m) => ({ name: m.name, idempotency: MethodOptions_IdempotencyLevel[m.idempotency] }))
      expect(service.procedures).toEqual(fromDescriptor)
    }
  })

  it('every transcoded route names an RPC, path parameters and a response field that its messages have', async () => {
    const routes = Object.values(TABLES.versions).flat().filter((r): r is RpcRoute => r.rpc !== undefined)
    expect(routes.length).toBeGreaterThan(0)
    for (const route of routes) await expect(transcodeCodec(route, rpcServices)).resolves.toBeDefined()
  })

  it('a route naming a field its request lacks is refused when its codec loads', async () => {
    const route: RpcRoute = { method: 'GET', path: '/stock/:nope', service: 'inventory', auth: 'public', rpc: { service: InventoryService.typeName, method: 'GetStock' } }
    await expect(transcodeCodec(route, rpcServices)).rejects.toThrow(/has no field nope/)
  })
})
