import { apiKeyStoreFromEnv } from '../src/apikeys/env'
import { urlConfig } from '../src/config/deployment'
import { startGateway } from '../src/config/errors'
import { createGateway } from './gateway'
import { idempotencyFromEnv } from '../src/idempotency/env'
import { logLevelFromEnv } from '../src/log'
import { rateLimitFromEnv } from '../src/ratelimit/env'
import { upgradingFetch } from '../src/proxy/websocket'

/** Deno entry (`deno serve app/deno.ts`): origins are base URLs from the environment. */
declare const Deno: { env: { toObject(): Record<string, string> }; readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> }
// Deno's `import.meta` (the Workers types, which this project compiles against, omit it).
declare global {
  interface ImportMeta {
    readonly url: string
  }
}

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
    // No D1 here: consumers and API key hashes live in the shared Redis, when there is one.
    apiKeyStore: apiKeyStoreFromEnv(vars),
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
