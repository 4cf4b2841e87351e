import { declaredConsumerStore } from './declared-store'
import type { ConsumerStore } from './store'
import { redisConsumerStore } from './redis-store'

/**
 * The consumer store of a gateway without D1 (Deno), from its environment:
 * - the shared Redis of the rate limiter and idempotency keys (`UPSTASH_REDIS_REST_URL`
 *   + `UPSTASH_REDIS_REST_TOKEN`): every instance sees the same keys, managed through
 *   the admin routes;
 * - else keys declared by hash in `SWITCHYARD_API_KEYS` (read-only, src/apikeys/declared-store.ts);
 * - else none: keys are refused (401) and the admin routes answer 503.
 * Both Redis and `SWITCHYARD_API_KEYS` is a start-up error: one place holds the keys.
 */
export function apiKeyStoreFromEnv(vars: Record<string, unknown>): ConsumerStore | undefined {
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '')
  const url = text('UPSTASH_REDIS_REST_URL')
  const token = text('UPSTASH_REDIS_REST_TOKEN')
  const declared = text('SWITCHYARD_API_KEYS')
  if (url && token && declared) {
    throw new Error('SWITCHYARD_API_KEYS is set beside UPSTASH_REDIS_REST_URL: API keys live in Redis then; unset one')
  }
  if (url && token) return redisConsumerStore({ url, token })
  return declared ? declaredConsumerStore(declared) : undefined
}
