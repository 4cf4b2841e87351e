import type { Caller } from './client-key'
import type { RateLimitConfig } from './config'
import { DenyCache } from './deny-cache'
import { toSeconds, type ServiceLimit } from './headers'
import { createMemoryStore } from './memory-store'
import { applicablePolicies, type AppliedPolicy, type RouteScope } from './policies'
import { createRedisStore } from './redis-store'
import { StoreUnavailableError, type RateLimitStore } from './store'
import { StoreHealth, type FailureSummary } from './store-health'

/** What the limiter decided for one request; `log`: a store-failure summary line is due. */
export type Outcome = (
  | { kind: 'unlimited' }
  | { kind: 'allowed'; policies: AppliedPolicy[]; limits: ServiceLimit[] }
  | {
      kind: 'denied'
      policies: AppliedPolicy[]
      limits: ServiceLimit[]
      violated: string[]
      retryAfterSeconds: number
      /** Answered from the in-isolate deny cache, without a store call. */
      cached: boolean
    }
  | { kind: 'fail-open'; policies: AppliedPolicy[]; error: string }
  | { kind: 'fail-closed'; policies: AppliedPolicy[]; closed: string[]; error: string; retryAfterSeconds: number }
) & { log?: FailureSummary }

export interface LimiterStats {
  decisions: number
  storeCalls: number
  cachedDenials: number
  failOpen: number
  failClosed: number
}

export interface Limiter {
  /** `extra`: partitions checked with the policies' in the same store call (failure limits). */
  decide(caller: Caller, scope: RouteScope, extra?: AppliedPolicy[]): Promise<Outcome>
  /**
   * Counts one failure in each partition, each on its own (a full one stays full);
   * partitions found full are remembered as denied. Resolves with the full ones' names.
   */
  record(partitions: AppliedPolicy[]): Promise<string[]>
  /** Empties partitions and forgets them as denied. */
  reset(keys: string[]): Promise<void>
  /** Milliseconds a partition stays denied as far as this isolate knows (0: ask the store). */
  blocked(key: string): number
  readonly store: RateLimitStore
  readonly stats: LimiterStats
  /** Store status, last error and failure counts, for `/health/ready`. */
  readonly health: StoreHealth
}

export function createStore(config: RateLimitConfig): RateLimitStore {
  return config.store.kind === 'upstash' ? createRedisStore(config.store) : createMemoryStore()
}

/**
 * Decides a request against all its policies in one store call. Partitions seen full
 * are answered from the deny cache until they admit again; a store failure applies
 * each policy's `failure` mode (any `closed` one → 503, else admit and count).
 */
export function createLimiter(
  config: RateLimitConfig,
  options: { store?: RateLimitStore; now?: () => number } = {},
): Limiter {
  const store = options.store ?? createStore(config)
  const denied = new DenyCache(config.denyCacheEntries, options.now)
  const stats: LimiterStats = { decisions: 0, storeCalls: 0, cachedDenials: 0, failOpen: 0, failClosed: 0 }
  const health = new StoreHealth(store.kind, config.failureLogSeconds * 1000, options.now)

  return {
    store,
    stats,
    health,
    blocked: (key) => denied.remaining(key),
    async reset(keys) {
      for (const key of keys) denied.forget(key)
      await store.reset(keys)
    },
    async record(partitions) {
      const decisions = await Promise.all(
        partitions.map((p) => store.check([{ key: p.key, quota: p.quota, windowMs: p.window * 1000 }])),
      )
      const full: string[] = []
      decisions.forEach((decision, i) => {
        const state = decision.states[0]!
        if (state.count < partitions[i]!.quota) return
        denied.deny(partitions[i]!.key, state.resetMs)
        full.push(partitions[i]!.name)
      })
      return full
    },
    async decide(caller, scope, extra) {
      const policies = applicablePolicies(config, caller, scope)
      if (extra) for (const p of extra) policies.push(p)
      if (policies.length === 0) return { kind: 'unlimited' }
      stats.decisions += 1

      // Every partition is looked up (an expired entry is dropped as it is seen).
      let waits: number[] | undefined
      for (let i = 0; i < policies.length; i++) {
        const ms = denied.remaining(policies[i]!.key)
        if (ms > 0) (waits ??= new Array<number>(policies.length).fill(0))[i] = ms
      }
      if (waits) {
        stats.cachedDenials += 1
        const known = waits
        const blocked = policies.filter((_, i) => known[i]! > 0)
        const longest = Math.max(...known)
        return {
          kind: 'denied',
          policies,
          limits: blocked.map((p) => ({ name: p.name, remaining: 0, resetSeconds: toSeconds(denied.remaining(p.key)) })),
          violated: [...new Set(blocked.map((p) => p.name))],
          retryAfterSeconds: Math.max(1, toSeconds(longest)),
          cached: true,
        }
      }

      stats.storeCalls += 1
      let decision
      try {
        decision = await store.check(
          policies.map((p) =>
            p.peek ? { key: p.key, quota: p.quota, windowMs: p.window * 1000, peek: true } : { key: p.key, quota: p.quota, windowMs: p.window * 1000 },
          ),
        )
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err
        const closed = policies.filter((p) => p.failure === 'closed').map((p) => p.name)
        const log = health.failed(closed.length > 0 ? 'closed' : 'open', err.message)
        if (closed.length > 0) {
          stats.failClosed += 1
          return {
            kind: 'fail-closed',
            policies,
            closed,
            error: err.message,
            retryAfterSeconds: config.unavailableRetryAfterSeconds,
            log,
          }
        }
        stats.failOpen += 1
        return { kind: 'fail-open', policies, error: err.message, log }
      }
      const log = health.succeeded()

      const limits = policies.map((p, i) => ({
        name: p.name,
        remaining: p.quota - decision.states[i]!.count,
        resetSeconds: toSeconds(decision.states[i]!.resetMs),
      }))
      if (decision.allowed) return { kind: 'allowed', policies, limits, log }

      const violatedIdx = policies.map((_, i) => i).filter((i) => decision.states[i]!.violated)
      for (const i of violatedIdx) denied.deny(policies[i]!.key, decision.states[i]!.resetMs)
      const longest = Math.max(...violatedIdx.map((i) => decision.states[i]!.resetMs))
      return {
        kind: 'denied',
        policies,
        limits,
        violated: [...new Set(violatedIdx.map((i) => policies[i]!.name))],
        retryAfterSeconds: Math.max(1, toSeconds(longest)),
        cached: false,
        log,
      }
    },
  }
}
