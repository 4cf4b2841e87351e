import { env } from 'cloudflare:workers'
import { workersConfig } from './config/deployment'
import { mountFaultRelay } from './dev/fault-relay'
import { createGateway } from './gateway'
import { idempotencyFromEnv } from './idempotency/env'
import { rateLimitFromEnv } from './ratelimit/env'

/** Cloudflare Workers entry: origins are service bindings in `env`. */
const bindings = env as unknown as Record<string, Fetcher | undefined>

const app = createGateway({ ...workersConfig(bindings), rateLimit: rateLimitFromEnv(bindings), idempotency: idempotencyFromEnv(bindings) }, {
  bindings: (name) => bindings[name],
  // Set by Cloudflare's edge; a client cannot forge it there.
  clientIp: (c) => c.req.header('cf-connecting-ip'),
  // Workers static assets ([assets] in wrangler.toml): the swagger-ui-dist package.
  docsAssets: async (file) => {
    const res = await bindings.DOCS_ASSETS?.fetch(`http://assets/${file}`)
    return res?.ok ? res.body ?? undefined : undefined
  },
})

// Local `wrangler dev` and tests only (root .dev.vars); never set in wrangler.toml.
if ((env as { FAULT_INJECTION?: string }).FAULT_INJECTION === 'enabled') {
  mountFaultRelay(app, (service) => bindings[service.toUpperCase()])
}

export default app
