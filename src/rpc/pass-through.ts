import type { Hono } from 'hono'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'

/**
 * The RPC pass-through's procedures are endpoints like any route (src/endpoint/factory.ts):
 * `/rpc/<package.Service>/<Method>` goes to the service's origin at
 * `/<package.Service>/<Method>`, through its Upstream, with the body framed as sent and the
 * answer relayed as it is (Connect JSON or binary, gRPC-web). Connect GETs of
 * side-effect-free methods are retried and coalesced as GETs are; POSTs are never sent
 * twice. Anything else under the prefix is a 404 naming the procedure, which
 * `rpcErrors()` answers as Connect `unimplemented` (or gRPC-web status 12); mount this
 * after the endpoints.
 *
 * @example
 * ```ts
 * app.use('/rpc/*', rpcErrors())
 * mountEndpoints(app, endpoints)
 * mountRpcNotFound(app, '/rpc')
 * ```
 */
export function mountRpcNotFound(app: Hono<GatewayEnv>, prefix: string): void {
  app.all(`${prefix}/*`, (c) => {
    const procedure = c.req.path.slice(prefix.length + 1)
    throw ProblemError.of(problems.notFound(`${procedure} is not a procedure this gateway serves (${c.req.method}).`))
  })
}
