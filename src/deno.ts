import { urlConfig } from './config/deployment'
import { startGateway } from './config/errors'
import { createGateway } from './gateway'
import { rateLimitFromEnv } from './ratelimit/env'

/** Deno entry (`deno serve src/deno.ts`): origins are base URLs from the environment. */
declare const Deno: { env: { toObject(): Record<string, string> } }

interface DenoServeInfo {
  remoteAddr?: { hostname?: string }
}

const vars = Deno.env.toObject()

// A refused config is logged once here and answered 500 `#misconfigured` on every request.
export default startGateway(() =>
  createGateway({ ...urlConfig(vars), rateLimit: rateLimitFromEnv(vars) }, {
    // `deno serve` passes the connection info as the second fetch argument (Hono's env).
    clientIp: (c) => (c.env as DenoServeInfo | undefined)?.remoteAddr?.hostname,
  }),
)
