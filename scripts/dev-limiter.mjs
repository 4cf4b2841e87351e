// The rate limiter's (and idempotency keys') backing store for the dev commands: a local redis-server behind the
// Upstash-compatible bridge when redis-server is installed, else the gateway's in-memory
// limiter, announced by one warning line (the gateway itself then stays quiet about it).
import { freePort } from './deno-gateway.mjs'
import { findRedisServer, startRedisServer } from './redis-server.mjs'
import { startBridge } from './upstash-bridge.mjs'

const DEV_TOKEN = 'switchyard-dev-token'

/** Returns the variables the gateway needs and a stop function. */
export async function startDevLimiter() {
  if (!findRedisServer()) {
    console.warn(
      'warning: redis-server not found, rate limits and idempotency keys use memory (per isolate, not shared); install redis-server for the real one',
    )
    return { vars: { SWITCHYARD_RATE_LIMIT_STORE: 'memory', SWITCHYARD_IDEMPOTENCY_STORE: 'memory' }, stop: async () => {} }
  }
  const redis = await startRedisServer({ port: await freePort() })
  const bridge = await startBridge({ redisUrl: redis.url, token: DEV_TOKEN, port: await freePort() })
  console.log(`rate limits on ${redis.url} through the Upstash bridge ${bridge.url} (token ${DEV_TOKEN})`)
  return {
    vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: DEV_TOKEN },
    stop: async () => {
      await bridge.close()
      await redis.stop()
    },
  }
}
