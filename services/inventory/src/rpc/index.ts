/**
 * The inventory origin's non-REST faces, mounted next to its REST routes:
 * InventoryService over Connect (JSON and binary, GET for side-effect-free methods) and
 * gRPC-web at `/switchyard.inventory.v1.InventoryService/<Method>`, and the live stock
 * feeds (./feeds.ts).
 *
 * @example
 * ```ts
 * const app = createOrigin<Bindings>('inventory')
 * mountProtocols(app)
 * ```
 */
import { createConnectRouter, createContextValues } from '@connectrpc/connect'
import {
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
  type UniversalHandler,
} from '@connectrpc/connect/protocol'
import type { Hono } from 'hono'
import { InventoryService } from '../../../../gen/switchyard/inventory/v1/inventory_pb'
import type { OriginBindings } from '../../../shared/types'
import { mountFeeds } from './feeds'
import { databaseKey, inventoryService } from './service'

// Built once per isolate. Native gRPC (HTTP/2 trailers) cannot reach a Worker: Connect and gRPC-web only.
// JSON answers carry every field (`"reserved": 0`), as the REST representation does.
const router = createConnectRouter({
  grpc: false,
  grpcWeb: true,
  connect: true,
  readMaxBytes: 64 * 1024,
  jsonOptions: { alwaysEmitImplicit: true },
})
router.service(InventoryService, inventoryService)
const handlers = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]))

export function mountProtocols<B extends OriginBindings>(app: Hono<{ Bindings: B }>): void {
  app.on(['GET', 'POST'], `/${InventoryService.typeName}/:method`, async (c) => {
    const handler = handlers.get(c.req.path)
    // Connect's own answer for a procedure the service does not have.
    if (!handler) return c.json({ code: 'unimplemented', message: `${c.req.path} is not a procedure of this service` }, 404)
    const request = universalServerRequestFromFetch(c.req.raw, {})
    request.contextValues = createContextValues().set(databaseKey, c.env.DB)
    return universalServerResponseToFetch(await handler(request))
  })
  mountFeeds(app)
}
