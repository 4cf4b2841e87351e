import type { Hono } from 'hono'
import { forward, type ProxyOptions } from '../../routes/proxy'
import { RPC_PREFIX, rpcRoutes } from '../../routes/rpc'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'

/**
 * Mounts the RPC pass-through: `/rpc/<package.Service>/<Method>` goes to the service's
 * origin at `/<package.Service>/<Method>`, through its Upstream like any route, with
 * the body streamed and the answer relayed as it is (Connect JSON or binary, gRPC-web).
 * Connect GETs of side-effect-free methods are retried and coalesced as GETs are; POSTs
 * are never sent twice. Anything else under the prefix is a 404, which `rpcErrors()`
 * answers as Connect `unimplemented` (or gRPC-web status 12).
 *
 * @example
 * ```ts
 * app.use('/rpc/*', rpcErrors())
 * mountRpc(app, proxyOptions)
 * ```
 */
export function mountRpc(app: Hono<GatewayEnv>, options: ProxyOptions): void {
  for (const spec of rpcRoutes) {
    const template = RPC_PREFIX + spec.path
    app.on([spec.method], [template], (c) => {
      c.set('routeTemplate', template)
      return forward(c, spec, spec.path, options)
    })
  }
  app.all(`${RPC_PREFIX}/*`, (c) => {
    const procedure = c.req.path.slice(RPC_PREFIX.length + 1)
    throw ProblemError.of(problems.notFound(`${procedure} is not a procedure this gateway serves (${c.req.method}).`))
  })
}
