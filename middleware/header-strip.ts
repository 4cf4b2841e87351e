import type { MiddlewareHandler } from 'hono'
import { INTERNAL_PREFIX } from '../src/proxy/headers'
import type { GatewayEnv } from '../src/types'

/**
 * Drops every client-sent internal header (`X-Switchyard-*`) before any other code
 * can read it: identity and trust headers are only ever set by the gateway.
 *
 * @example app.use(headerStrip())
 */
export function headerStrip(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const spoofed: string[] = []
    c.req.raw.headers.forEach((_, name) => {
      if (name.startsWith(INTERNAL_PREFIX)) spoofed.push(name)
    })
    if (spoofed.length > 0) {
      const headers = new Headers(c.req.raw.headers)
      for (const name of spoofed) headers.delete(name)
      c.req.raw = new Request(c.req.raw, { headers })
    }
    await next()
  }
}
