import type { MiddlewareHandler } from 'hono'
import { requestPath } from '../src/proxy/path'
import { ProblemError } from '../wire/problem'
import { problems } from '../src/problem'
import type { GatewayEnv } from '../src/types'

/**
 * Rejects paths with no safe canonical form (400). The canonical path itself is
 * computed by the app's `getPath`, so routing and forwarding share it.
 *
 * @example app.use(pathNormalize())
 */
export function pathNormalize(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const result = requestPath(c.req.raw)
    if (!result.ok) throw ProblemError.of(problems.badRequest(`Invalid path: ${result.reason}.`))
    await next()
  }
}
