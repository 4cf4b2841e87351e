import type { ConsumerStore } from './store'
import { redisConsumerStore } from './redis-store'

/**
 * The consumer store of a gateway without D1 (Deno), from its environment: the shared
 * Redis of the rate limiter and idempotency keys (`UPSTASH_REDIS_REST_URL` +
 * `UPSTASH_REDIS_REST_TOKEN`), so every instance sees the same keys. Without Redis there
 * is none: keys are refused (401) and the admin routes answer 503.
 */
export function apiKeyStoreFromEnv(vars: Record<string, unknown>): ConsumerStore | undefined {
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '')
  const url = text('UPSTASH_REDIS_REST_URL')
  const token = text('UPSTASH_REDIS_REST_TOKEN')
  return url && token ? redisConsumerStore({ url, token }) : undefined
}
