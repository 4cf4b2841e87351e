import { redisSectionFromEnv } from '../config/redis-env'
import { createLogger } from '../log'
import type { IdempotencyConfigInput } from './config'

/**
 * The `idempotency` config section from environment variables (Workers vars/secrets,
 * Deno env), beside the rate limiter's:
 * - `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN`: the same Redis as the limiter;
 * - `SWITCHYARD_IDEMPOTENCY`: `off`, or JSON merged over the defaults (`failure`,
 *   `ttlSeconds`, `store.timeoutMs`, …);
 * - `SWITCHYARD_IDEMPOTENCY_STORE=memory`: per-isolate keys, chosen on purpose.
 * Without Redis and without that choice, the memory store is used with a warning.
 */
export function idempotencyFromEnv(
  vars: Record<string, unknown>,
  warn: (message: string) => void = (message) => createLogger({ service: 'switchyard' }).log('warn', message),
): IdempotencyConfigInput {
  const env = redisSectionFromEnv<IdempotencyConfigInput>(
    vars,
    { variable: 'SWITCHYARD_IDEMPOTENCY', storeVariable: 'SWITCHYARD_IDEMPOTENCY_STORE', what: 'idempotency keys' },
    warn,
  )
  if (env.off) return { enabled: false }
  const { overrides, store } = env
  return { ...overrides, store: { ...store, ...overrides.store } as IdempotencyConfigInput['store'] }
}
