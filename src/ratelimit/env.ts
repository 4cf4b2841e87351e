import { createLogger } from '../log'
import type { RateLimitConfigInput } from './config'

type PolicyInput = RateLimitConfigInput['policies'][number]

/**
 * Policies of a deployment that says nothing else: a burst and a sustained quota per
 * caller (higher for the `pro` tier), and payment writes capped per caller — failing
 * closed, since unchecked card attempts are what a limiter there is for.
 */
export const DEFAULT_POLICIES: PolicyInput[] = [
  { name: 'burst', quota: 20, window: 1, tiers: { pro: { quota: 100 } } },
  { name: 'sustained', quota: 600, window: 60, tiers: { pro: { quota: 6000 } } },
  {
    name: 'payment-writes',
    quota: 30,
    window: 60,
    scope: 'group',
    match: { groups: ['payments-write'] },
    failure: 'closed',
  },
]

/**
 * The `rateLimit` config section from environment variables (Workers vars/secrets,
 * Deno env):
 * - `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN`: the Redis store;
 * - `SWITCHYARD_RATE_LIMIT`: `off`, or JSON merged over the defaults (policies, tier,
 *   `store.timeoutMs`, …);
 * - `SWITCHYARD_RATE_LIMIT_STORE=memory`: per-isolate counters, chosen on purpose.
 * Without Redis and without that choice, the memory store is used with a warning.
 */
export function rateLimitFromEnv(
  vars: Record<string, unknown>,
  warn: (message: string) => void = (message) => createLogger({ service: 'switchyard' }).log('warn', message),
): RateLimitConfigInput | undefined {
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '')
  const raw = text('SWITCHYARD_RATE_LIMIT')
  if (raw === 'off') return undefined
  let overrides: Partial<RateLimitConfigInput> & { store?: Record<string, unknown> } = {}
  if (raw) {
    try {
      overrides = JSON.parse(raw) as typeof overrides
    } catch (err) {
      throw new Error(`SWITCHYARD_RATE_LIMIT is neither "off" nor valid JSON: ${(err as Error).message}`)
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new Error('SWITCHYARD_RATE_LIMIT JSON must be an object')
    }
  }
  const url = text('UPSTASH_REDIS_REST_URL')
  const token = text('UPSTASH_REDIS_REST_TOKEN')
  let store: Record<string, unknown>
  if (url && token) store = { kind: 'upstash', url, token }
  else {
    store = { kind: 'memory' }
    const chosen = text('SWITCHYARD_RATE_LIMIT_STORE') === 'memory' || overrides.store?.kind === 'memory'
    if (!chosen) {
      warn('rate limits use per-isolate memory: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN to share them')
    }
  }
  return {
    policies: DEFAULT_POLICIES,
    ...overrides,
    store: { ...store, ...overrides.store } as RateLimitConfigInput['store'],
  }
}
