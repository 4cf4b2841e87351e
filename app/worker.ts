import { env } from 'cloudflare:workers'
import { workersInput } from '../src/config/deployment'
import { startGateway } from '../src/config/errors'
import { mountFaultRelay } from '../src/dev/fault-relay'
import { createGateway } from './gateway'
import { d1ConsumerStore } from '../src/apikeys/store'
import { logLevelFromEnv } from '../src/log'

/** Cloudflare Workers entry: origins are service bindings in `env`. */
const bindings = env as unknown as Record<string, Fetcher | undefined>

// A refused config is logged once here and answered 500 `#misconfigured` on every request.
const app = startGateway(() => {
  const gateway = createGateway(workersInput(bindings), {
    bindings: (name) => bindings[name],
    logLevel: logLevelFromEnv(bindings),
    // Set by Cloudflare's edge; a client cannot forge it there.
    clientIp: (c) => c.req.header('cf-connecting-ip'),
    // The gateway's own D1 ([[d1_databases]] GATEWAY_DB in wrangler.toml): consumers and API key hashes.
    apiKeyStore: (env as { GATEWAY_DB?: D1Database }).GATEWAY_DB && d1ConsumerStore((env as { GATEWAY_DB: D1Database }).GATEWAY_DB),
    // Workers static assets ([assets] in wrangler.toml): the swagger-ui-dist package.
    docsAssets: async (file) => {
      const res = await bindings.DOCS_ASSETS?.fetch(`http://assets/${file}`)
      return res?.ok ? res.body ?? undefined : undefined
    },
  })
  // Local `wrangler dev` and tests only (root .dev.vars); never set in wrangler.toml.
  if ((env as { FAULT_INJECTION?: string }).FAULT_INJECTION === 'enabled') {
    mountFaultRelay(gateway, (service) => bindings[service.toUpperCase()])
  }
  return gateway
})

export default app
