import { redisSectionFromEnv } from '../config/redis-env'
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
 * Failed authentication of a deployment that says nothing else: 5 failed logins per
 * account in 15 minutes (OWASP's order of magnitude, the lock short enough not to turn
 * into a denial of service against the account), and 50 failures of any kind (401s,
 * failed logins and refreshes) per client address in 15 minutes, which leaves room for
 * many users behind one NAT but not for guessing.
 */
export const DEFAULT_FAILURES: NonNullable<RateLimitConfigInput['failures']> = {
  address: { quota: 50, window: 900 },
  account: { quota: 5, window: 900 },
}

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
  const env = redisSectionFromEnv<RateLimitConfigInput>(
    vars,
    { variable: 'SWITCHYARD_RATE_LIMIT', storeVariable: 'SWITCHYARD_RATE_LIMIT_STORE', what: 'rate limits' },
    warn,
  )
  if (env.off) return undefined
  const { overrides, store } = env
  // `"failures": null` turns the failure limits off.
  const failures = overrides.failures === null ? undefined : (overrides.failures ?? DEFAULT_FAILURES)
  return {
    policies: DEFAULT_POLICIES,
    ...overrides,
    failures,
    store: { ...store, ...overrides.store } as RateLimitConfigInput['store'],
  }
}
