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
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '')
  const raw = text('SWITCHYARD_IDEMPOTENCY')
  if (raw === 'off') return { enabled: false }
  let overrides: Partial<IdempotencyConfigInput> & { store?: Record<string, unknown> } = {}
  if (raw) {
    try {
      overrides = JSON.parse(raw) as typeof overrides
    } catch (err) {
      throw new Error(`SWITCHYARD_IDEMPOTENCY is neither "off" nor valid JSON: ${(err as Error).message}`)
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new Error('SWITCHYARD_IDEMPOTENCY JSON must be an object')
    }
  }
  const url = text('UPSTASH_REDIS_REST_URL')
  const token = text('UPSTASH_REDIS_REST_TOKEN')
  let store: Record<string, unknown>
  if (url && token) store = { kind: 'upstash', url, token }
  else {
    store = { kind: 'memory' }
    const chosen = text('SWITCHYARD_IDEMPOTENCY_STORE') === 'memory' || overrides.store?.kind === 'memory'
    if (!chosen) {
      warn('idempotency keys use per-isolate memory: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN to share them')
    }
  }
  return { ...overrides, store: { ...store, ...overrides.store } as IdempotencyConfigInput['store'] }
}
