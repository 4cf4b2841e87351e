import type { MiddlewareHandler } from 'hono'
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import { ProblemError } from '../wire/problem'
import { problems } from '../src/problem'
import type { GatewayEnv } from '../src/types'

/**
 * Caps request bodies at `maxBytes` (413 problem+json). A declared
 * `Content-Length` is checked up front (forwarding reads such a body later, within
 * this cap, to keep its framing: src/proxy/body.ts); a chunked body is read (and so
 * buffered, at most `maxBytes`) to count it.
 *
 * @example app.use(bodyLimit(1024 * 1024))
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<GatewayEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw ProblemError.of(problems.payloadTooLarge(maxBytes))
    },
  })
}
