import * as z from 'zod'

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
const ms = z.number().int().positive()
const count = z.number().int().min(1)

const timeoutPatch = z.strictObject({
  /** Longest wait for one attempt's response headers (504 after it). */
  perTryMs: ms.optional(),
  /** Longest wait for the whole call, retries and backoff included (504 after it). */
  deadlineMs: ms.optional(),
})

const retryPatch = z.strictObject({
  /** Attempts per call, the first one included (1 = never retry). */
  maxAttempts: count.max(10).optional(),
  /** Exponential backoff with full jitter: a delay in [0, min(maxDelayMs, baseDelayMs·2^n)). */
  baseDelayMs: ms.optional(),
  maxDelayMs: ms.optional(),
  /** An origin's `Retry-After` longer than this is not waited for: its answer is returned. */
  maxRetryAfterMs: ms.optional(),
  /** Retries allowed: at most max(minRetries, ratio × requests) within the last windowMs. */
  budget: z
    .strictObject({
      ratio: z.number().min(0).max(1).optional(),
      minRetries: z.number().int().min(0).optional(),
      windowMs: ms.optional(),
    })
    .optional(),
})

const breakerPatch = z.strictObject({
  /** Opens after this many failed calls in a row. */
  consecutiveFailures: count.optional(),
  /** …or when more than this share of the last `windowSize` calls failed… */
  failureRatio: z.number().gt(0).lt(1).optional(),
  windowSize: count.optional(),
  /** …once at least this many calls are in the window. */
  minimumCalls: count.optional(),
  /** First open period; each failed half-open probe doubles it, up to maxOpenMs. */
  openMs: ms.optional(),
  maxOpenMs: ms.optional(),
  /** Calls let through while half-open; all must succeed to close. */
  halfOpenProbes: count.optional(),
})

const balancePatch = z.strictObject({
  /** `p2c`: power of two choices on outstanding requests; `round-robin`. */
  strategy: z.enum(['p2c', 'round-robin']).optional(),
  /** Passive health: an instance failing this often in a row sits out a while. */
  ejection: z
    .strictObject({
      consecutiveFailures: count.optional(),
      /** Ejection time is baseMs × times ejected in a row, capped at maxMs. */
      baseMs: ms.optional(),
      maxMs: ms.optional(),
      /** At most this share of a pool is ejected at once; never all of it. */
      maxPercent: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
})

export const policyPatchSchema = z.strictObject({
  timeout: timeoutPatch.optional(),
  retry: retryPatch.optional(),
  breaker: breakerPatch.optional(),
  balance: balancePatch.optional(),
})
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

export const resilienceSchema = z
  .strictObject({
    defaults: policyPatchSchema.optional(),
    /** Keyed by service name; a key that names no configured service is an error. */
    services: z.record(z.string(), policyPatchSchema).optional(),
  })
  .superRefine((value, ctx) => {
    const check = (path: (string | number)[], policy: ResiliencePolicy) => {
      for (const [where, message] of policyProblems(policy)) ctx.addIssue({ code: 'custom', path: [...path, ...where], message })
    }
    check(['defaults'], resolvePolicy(value.defaults))
    for (const [name, patch] of Object.entries(value.services ?? {})) {
      check(['services', name], resolvePolicy(value.defaults, patch))
    }
  })
  .prefault({})
export type ResilienceConfig = z.output<typeof resilienceSchema>
