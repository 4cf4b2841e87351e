import * as z from 'zod/mini'

/**
 * Resilience settings: `defaults` apply to every service, `services.<name>` overrides
 * them field by field. Every field is optional; what is left out comes from
 * `BUILT_IN`. Route tables may further override the timeouts per route.
 *
 * @example
 * ```ts
 * resilience: {
 *   defaults: { retry: { maxAttempts: 2 } },
 *   services: { payments: { timeout: { perTryMs: 5000, deadlineMs: 12000 } } },
 * }
 * ```
 */
const ms = z.lazy(() => z.number().check(z.int(), z.positive()))
const count = z.lazy(() => z.number().check(z.int(), z.gte(1)))

const timeoutPatch = z.lazy(() => z.strictObject({
  /** Longest wait for one attempt's response headers (504 after it). */
  perTryMs: z.optional(ms),
  /** Longest wait for the whole call, retries and backoff included (504 after it). */
  deadlineMs: z.optional(ms),
}))

const retryPatch = z.lazy(() => z.strictObject({
  /** Attempts per call, the first one included (1 = never retry). */
  maxAttempts: z.optional(z.number().check(z.int(), z.gte(1), z.lte(10))),
  /** Exponential backoff with full jitter: a delay in [0, min(maxDelayMs, baseDelayMs·2^n)). */
  baseDelayMs: z.optional(ms),
  maxDelayMs: z.optional(ms),
  /** An origin's `Retry-After` longer than this is not waited for: its answer is returned. */
  maxRetryAfterMs: z.optional(ms),
  /** Retries allowed: at most max(minRetries, ratio × requests) within the last windowMs. */
  budget: z.optional(
    z.strictObject({
      ratio: z.optional(z.number().check(z.gte(0), z.lte(1))),
      minRetries: z.optional(z.number().check(z.int(), z.gte(0))),
      windowMs: z.optional(ms),
    })),
}))

const breakerPatch = z.lazy(() => z.strictObject({
  /** Opens after this many failed calls in a row. */
  consecutiveFailures: z.optional(count),
  /** …or when more than this share of the last `windowSize` calls failed… */
  failureRatio: z.optional(z.number().check(z.gt(0), z.lt(1))),
  windowSize: z.optional(count),
  /** …once at least this many calls are in the window. */
  minimumCalls: z.optional(count),
  /** First open period; each failed half-open probe doubles it, up to maxOpenMs. */
  openMs: z.optional(ms),
  maxOpenMs: z.optional(ms),
  /** Calls let through while half-open; all must succeed to close. */
  halfOpenProbes: z.optional(count),
}))

const balancePatch = z.lazy(() => z.strictObject({
  /** `p2c`: power of two choices on outstanding requests; `round-robin`. */
  strategy: z.optional(z.enum(['p2c', 'round-robin'])),
  /** Passive health: an instance failing this often in a row sits out a while. */
  ejection: z.optional(
    z.strictObject({
      consecutiveFailures: z.optional(count),
      /** Ejection time is baseMs × times ejected in a row, capped at maxMs. */
      baseMs: z.optional(ms),
      maxMs: z.optional(ms),
      /** At most this share of a pool is ejected at once; never all of it. */
      maxPercent: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
    })),
}))

export const policyPatchSchema = z.lazy(() => z.strictObject({
  timeout: z.optional(timeoutPatch),
  retry: z.optional(retryPatch),
  breaker: z.optional(breakerPatch),
  balance: z.optional(balancePatch),
}))
export type PolicyPatch = z.infer<typeof policyPatchSchema>

/** Settings used where the config is silent. */
export const BUILT_IN = {
  timeout: { perTryMs: 3000, deadlineMs: 10_000 },
  retry: {
    maxAttempts: 3,
    baseDelayMs: 50,
    maxDelayMs: 1000,
    maxRetryAfterMs: 2000,
    budget: { ratio: 0.2, minRetries: 3, windowMs: 10_000 },
  },
  breaker: {
    consecutiveFailures: 5,
    failureRatio: 0.5,
    windowSize: 20,
    minimumCalls: 10,
    openMs: 5000,
    maxOpenMs: 60_000,
    halfOpenProbes: 1,
  },
  balance: {
    strategy: 'p2c' as 'p2c' | 'round-robin',
    ejection: { consecutiveFailures: 5, baseMs: 30_000, maxMs: 300_000, maxPercent: 50 },
  },
}
export type ResiliencePolicy = typeof BUILT_IN
export type TimeoutPolicy = ResiliencePolicy['timeout']
export type RetryPolicy = ResiliencePolicy['retry']
export type BreakerPolicy = ResiliencePolicy['breaker']
export type BalancePolicy = ResiliencePolicy['balance']

/** The effective policy: built-in, then `defaults`, then the service's own patch. */
export function resolvePolicy(...patches: (PolicyPatch | undefined)[]): ResiliencePolicy {
  const p = patches.filter((x): x is PolicyPatch => x !== undefined)
  return {
    timeout: Object.assign({}, BUILT_IN.timeout, ...p.map((x) => x.timeout)),
    retry: {
      ...Object.assign({}, BUILT_IN.retry, ...p.map((x) => x.retry)),
      budget: Object.assign({}, BUILT_IN.retry.budget, ...p.map((x) => x.retry?.budget)),
    },
    breaker: Object.assign({}, BUILT_IN.breaker, ...p.map((x) => x.breaker)),
    balance: {
      ...Object.assign({}, BUILT_IN.balance, ...p.map((x) => x.balance)),
      ejection: Object.assign({}, BUILT_IN.balance.ejection, ...p.map((x) => x.balance?.ejection)),
    },
  }
}

/** Cross-field rules, checked on the effective policy so a patch cannot break them. */
function policyProblems(policy: ResiliencePolicy): [string[], string][] {
  const problems: [string[], string][] = []
  const { timeout, retry, breaker, balance } = policy
  if (timeout.perTryMs > timeout.deadlineMs) problems.push([['timeout'], 'perTryMs must not exceed deadlineMs'])
  if (retry.baseDelayMs > retry.maxDelayMs) problems.push([['retry'], 'baseDelayMs must not exceed maxDelayMs'])
  if (breaker.minimumCalls > breaker.windowSize) problems.push([['breaker'], 'minimumCalls must not exceed windowSize'])
  if (breaker.openMs > breaker.maxOpenMs) problems.push([['breaker'], 'openMs must not exceed maxOpenMs'])
  if (balance.ejection.baseMs > balance.ejection.maxMs) problems.push([['balance', 'ejection'], 'baseMs must not exceed maxMs'])
  return problems
}

export const resilienceSchema = z.lazy(() => z.prefault(
  z.strictObject({
    defaults: z.optional(policyPatchSchema),
    /** Keyed by service name; a key that names no configured service is an error. */
    services: z.optional(z.record(z.string(), policyPatchSchema)),
  })
  .check(z.superRefine((value, ctx) => {
    const check = (path: (string | number)[], policy: ResiliencePolicy) => {
      for (const [where, message] of policyProblems(policy)) ctx.addIssue({ code: 'custom', path: [...path, ...where], message })
    }
    check(['defaults'], resolvePolicy(value.defaults))
    for (const [name, patch] of Object.entries(value.services ?? {})) {
      check(['services', name], resolvePolicy(value.defaults, patch))
    }
  })), {}))
export type ResilienceConfig = z.output<typeof resilienceSchema>
