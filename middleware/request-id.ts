import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../src/types'

const HEADER = 'X-Request-Id'
const MAX_LENGTH = 128
/** A character outside `[A-Za-z0-9_=-]`. */
const INVALID = /[^\w\-=]/

/**
 * Keeps a well-formed client `X-Request-Id` (≤ 128 chars of `[A-Za-z0-9_=-]`),
 * otherwise generates one (a random UUID), and echoes it on every response — also on
 * proxied responses and error documents, which replace the context's response.
 *
 * The rule is Hono's `requestId()` (same length limit, characters and generator);
 * written out because that one also stages the header on a fresh `Headers` for
 * responses built later, a copy per request that the final `set` here makes moot.
 *
 * @example app.use(requestId())
 */
export function requestId(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    let id = c.req.header(HEADER)
    if (!id || id.length > MAX_LENGTH || INVALID.test(id)) id = crypto.randomUUID()
    c.set('requestId', id)
    await next()
    c.res.headers.set(HEADER, id)
  }
}
