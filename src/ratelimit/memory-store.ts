import type { LimitCheck, LimitState, RateLimitStore, StoreDecision } from './store'

/**
 * One partition's sliding-window log: admitted times in arrival order, from `head` on.
 * Times only grow, so the ones that left the window are always at the front: a
 * decision advances `head` past them instead of filtering the whole log (amortized
 * O(1) per decision, whatever the window's length), and the array is compacted once
 * the dead prefix is half of it. A log never holds more than its quota live entries.
 */
interface Log {
  times: number[]
  head: number
  expires: number
}

function trim(log: Log, since: number): void {
  const { times } = log
  while (log.head < times.length && times[log.head]! <= since) log.head += 1
  if (log.head > 32 && log.head * 2 >= times.length) {
    times.splice(0, log.head)
    log.head = 0
  }
}

/**
 * The same sliding-window log as the Redis script, in this isolate's memory, with the
 * same counts and resets: for `npm run dev` without redis-server and for tests of the
 * limiter's logic. Counts are per isolate, so several isolates or instances each admit
 * the full quota.
 */
export function createMemoryStore(now: () => number = Date.now): RateLimitStore {
  const logs = new Map<string, Log>()
  let sweepAt = 0
  let last = 0

  const sweep = (time: number) => {
    if (time < sweepAt) return
    sweepAt = time + 10_000
    for (const [key, log] of logs) if (log.expires <= time) logs.delete(key)
  }

  return {
    kind: 'memory',
    async check(checks: LimitCheck[]): Promise<StoreDecision> {
      // Never before the last decision: a clock stepping back must not break the log's order.
      const time = (last = Math.max(last, now()))
      sweep(time)
      // Every partition counted before any is written to: a request is admitted by all or none.
      const found: Log[] = []
      const counts: number[] = []
      let allowed = true
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!
        let log = logs.get(check.key)
        if (!log) logs.set(check.key, (log = { times: [], head: 0, expires: 0 }))
        trim(log, time - check.windowMs)
        const count = log.times.length - log.head
        found.push(log)
        counts.push(count)
        if (count >= check.quota) allowed = false
      }
      const states: LimitState[] = []
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!
        const log = found[i]!
        let count = counts[i]!
        const violated = count >= check.quota
        if (allowed && !check.peek) {
          log.times.push(time)
          count += 1
        }
        log.expires = time + check.windowMs
        const entry = log.times[log.head + Math.max(count - check.quota, 0)]
        const resetMs = entry === undefined ? check.windowMs : entry + check.windowMs - time
        states.push({ count, resetMs, violated })
      }
      return { allowed, states }
    },
    async reset(keys: string[]): Promise<void> {
      for (const key of keys) logs.delete(key)
    },
  }
}
