import type { LimitCheck, LimitState, RateLimitStore, StoreDecision } from './store'

/**
 * The same sliding-window log as the Redis script, in this isolate's memory: for
 * `npm run dev` without redis-server and for tests of the limiter's logic. Counts are
 * per isolate, so several isolates or instances each admit the full quota.
 */
export function createMemoryStore(now: () => number = Date.now): RateLimitStore {
  const logs = new Map<string, { times: number[]; expires: number }>()
  let sweepAt = 0

  const sweep = (time: number) => {
    if (time < sweepAt) return
    sweepAt = time + 10_000
    for (const [key, log] of logs) if (log.expires <= time) logs.delete(key)
  }

  return {
    kind: 'memory',
    async check(checks: LimitCheck[]): Promise<StoreDecision> {
      const time = now()
      sweep(time)
      const current = checks.map((check) => {
        const log = logs.get(check.key)
        const times = (log?.times ?? []).filter((t) => t > time - check.windowMs)
        return { check, times }
      })
      const allowed = current.every(({ check, times }) => times.length < check.quota)
      const states: LimitState[] = current.map(({ check, times }) => {
        const violated = times.length >= check.quota
        if (allowed) times.push(time)
        logs.set(check.key, { times, expires: time + check.windowMs })
        const entry = times[Math.max(times.length - check.quota, 0)]
        const resetMs = entry === undefined ? check.windowMs : entry + check.windowMs - time
        return { count: times.length, resetMs, violated }
      })
      return { allowed, states }
    },
  }
}
