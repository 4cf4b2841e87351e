/** Generated-client plumbing for the RPC tests: Connect and gRPC-web transports into a gateway. */
import { createClient, type Client } from '@connectrpc/connect'
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web'
import { InventoryService } from '../gen/switchyard/inventory/v1/inventory_pb'
import { gateway } from './helpers'

type PathFetch = (path: string, init?: RequestInit) => Promise<Response>

/**
 * connect-web's fetch options carry `redirect: "error"`, `mode` and `credentials`,
 * which workerd's fetch rejects: this fetch drops them and calls the gateway in process.
 */
export function gatewayFetch(target: PathFetch = gateway): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const { redirect: _r, mode: _m, credentials: _c, ...rest } = (init ?? {}) as RequestInit & { mode?: unknown; credentials?: unknown }
    const url = new URL(input instanceof Request ? input.url : String(input))
    return target(url.pathname + url.search, rest)
  }) as typeof fetch
}

export type Protocol = 'connect-json' | 'connect-binary' | 'connect-get' | 'grpc-web'
export const PROTOCOLS: Protocol[] = ['connect-json', 'connect-binary', 'connect-get', 'grpc-web']

/** A generated InventoryService client over `protocol`, sending `headers` with every call. */
export function inventoryClient(
  protocol: Protocol,
  { target = gateway, headers = {} }: { target?: PathFetch; headers?: Record<string, string> } = {},
): Client<typeof InventoryService> {
  const options = {
    baseUrl: 'http://gateway.test/rpc',
    fetch: gatewayFetch(target),
    interceptors: [(next: (req: any) => any) => (req: any) => {
      for (const [name, value] of Object.entries(headers)) req.header.set(name, value)
      return next(req)
    }],
  }
  const transport =
    protocol === 'grpc-web'
      ? createGrpcWebTransport(options)
      : createConnectTransport({ ...options, useBinaryFormat: protocol !== 'connect-json', useHttpGet: protocol === 'connect-get' })
  return createClient(InventoryService, transport)
}
