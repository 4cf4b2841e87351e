/**
 * `gatewayIdentity()`: an origin accepts the caller identity headers
 * (`X-Switchyard-Subject`, `-Scopes`, `-Roles`) only from the gateway.
 *
 * - No `IDENTITY_SECRET` binding: the origin has no public URL (`workers_dev = false`,
 *   no routes), so only a service binding can reach it, and only the gateway (and
 *   other origins) hold one. The headers are trusted as they are.
 * - `IDENTITY_SECRET` set (an origin served at a URL, e.g. behind the Deno gateway):
 *   identity headers must carry the gateway's HMAC signature, fresh within 60 s, for
 *   this method and path; anything else is refused with 403 before a handler runs.
 *
 * A request without identity headers is anonymous either way. After this middleware,
 * handlers may read the headers as the verified caller.
 *
 * @example
 * ```ts
 * app.use('*', gatewayIdentity())
 * ```
 */
import type { MiddlewareHandler } from 'hono'
import { IDENTITY_HEADERS, verifyIdentitySignature } from '../../wire/identity'
import { ProblemError } from './problem'
import type { OriginBindings } from './types'

const NAMES = Object.values(IDENTITY_HEADERS)

export function gatewayIdentity<B extends OriginBindings>(): MiddlewareHandler<{ Bindings: B }> {
  return async (c, next) => {
    const headers = c.req.raw.headers
    if (!NAMES.some((name) => headers.has(name))) return next()
    const secret = c.env?.IDENTITY_SECRET
    if (!secret) return next()
    const check = await verifyIdentitySignature(headers, c.req.method, new URL(c.req.url), secret)
    if (!check.ok) {
      throw new ProblemError({
        status: 403,
        type: 'untrusted-identity',
        title: 'Untrusted identity',
        detail: `Identity headers are accepted only when signed by the gateway (${check.reason}).`,
      })
    }
    return next()
  }
}
