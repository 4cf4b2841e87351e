import { requestId as honoRequestId } from 'hono/request-id'
import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../src/types'

/**
 * Keeps a well-formed client `X-Request-Id` (≤ 128 chars of `[A-Za-z0-9_=-]`),
 * otherwise generates one, and echoes it on every response — also on proxied
 * responses and error documents, which replace the context's response.
 *
 * @example app.use(requestId())
 */
export function requestId(): MiddlewareHandler<GatewayEnv> {
  const assign = honoRequestId({ limitLength: 128 })
  return async (c, next) => {
    await assign(c, next)
    c.res.headers.set('X-Request-Id', c.get('requestId'))
  }
}
