import { urlConfig } from './config/deployment'
import { startGateway } from './config/errors'
import { createGateway } from './gateway'
import { idempotencyFromEnv } from './idempotency/env'
import { logLevelFromEnv } from './log'
import { rateLimitFromEnv } from './ratelimit/env'
import { upgradingFetch } from './proxy/websocket'

/** Deno entry (`deno serve src/deno.ts`): origins are base URLs from the environment. */
declare const Deno: { env: { toObject(): Record<string, string> }; readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> }

interface DenoServeInfo {
  remoteAddr?: { hostname?: string }
}

const vars = Deno.env.toObject()

// A refused config is logged once here and answered 500 `#misconfigured` on every request.
export default startGateway(() =>
  createGateway({ ...urlConfig(vars), rateLimit: rateLimitFromEnv(vars), idempotency: idempotencyFromEnv(vars) }, {
    // `deno serve` passes the connection info as the second fetch argument (Hono's env).
    clientIp: (c) => (c.env as DenoServeInfo | undefined)?.remoteAddr?.hostname,
    logLevel: logLevelFromEnv(vars),
    // Deno's fetch cannot upgrade: WebSocket routes open a socket to the origin instead.
    fetch: upgradingFetch(),
    // The swagger-ui-dist package as installed next to this file (needs --allow-read).
    docsAssets: async (file) => {
      try {
        return await Deno.readFile(new URL(`../node_modules/swagger-ui-dist/${file}`, import.meta.url))
      } catch {
        return undefined
      }
    },
  }),
)
