import { env } from 'cloudflare:workers'
import { workersConfig } from './config/deployment'
import { createGateway } from './gateway'
import { rateLimitFromEnv } from './ratelimit/env'

/** Cloudflare Workers entry: origins are service bindings in `env`. */
const bindings = env as unknown as Record<string, Fetcher | undefined>

export default createGateway({ ...workersConfig(), rateLimit: rateLimitFromEnv(bindings) }, {
  bindings: (name) => bindings[name],
  // Set by Cloudflare's edge; a client cannot forge it there.
  clientIp: (c) => c.req.header('cf-connecting-ip'),
})
