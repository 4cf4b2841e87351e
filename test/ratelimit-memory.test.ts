/**
 * The in-memory store trims its logs from the front instead of filtering them: its
 * decisions must equal the filtered sliding-window log's (the Redis script's
 * semantics) over long runs, across log compaction and with several partitions.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../src/ratelimit/memory-store'
import type { LimitCheck, StoreDecision } from '../src/ratelimit/store'

/** The reference: the whole window's log filtered on every decision. */
function referenceStore(now: () => number) {
  const logs = new Map<string, number[]>()
  return (checks: LimitCheck[]): StoreDecision => {
    const time = now()
    const current = checks.map((check) => ({ check, times: (logs.get(check.key) ?? []).filter((t) => t > time - check.windowMs) }))
    const allowed = current.every(({ check, times }) => times.length < check.quota)
    const states = current.map(({ check, times }) => {
      const violated = times.length >= check.quota
      if (allowed) times.push(time)
      logs.set(check.key, times)
      const entry = times[Math.max(times.length - check.quota, 0)]
      return { count: times.length, resetMs: entry === undefined ? check.windowMs : entry + check.windowMs - time, violated }
    })
    return { allowed, states }
  }
}

describe('in-memory store, long runs', () => {
  it('decides exactly as the filtered log over thousands of requests and two windows', async () => {
    let now = 5_000_000
    const store = createMemoryStore(() => now)
    const reference = referenceStore(() => now)
    const checks = (caller: string): LimitCheck[] => [
      { key: `burst:${caller}`, quota: 20, windowMs: 1_000 },
      { key: `sustained:${caller}`, quota: 300, windowMs: 60_000 },
    ]
    let denied = 0
    // A deterministic, bursty arrival pattern: gaps of 0–36 ms, two callers.
    for (let i = 0; i < 6_000; i++) {
      now += (i * 7919) % 37
      const caller = i % 5 === 0 ? 'b' : 'a'
      const got = await store.check(checks(caller))
      expect(got).toEqual(reference(checks(caller)))
      if (!got.allowed) denied += 1
    }
    // Both quotas were reached along the way, so denials and window exits were exercised.
    expect(denied).toBeGreaterThan(1_000)
  })

  it('admits again once the window has passed, after a long denied stretch', async () => {
    let now = 0
    const store = createMemoryStore(() => now)
    const check = [{ key: 'k', quota: 3, windowMs: 1_000 }]
    for (let i = 0; i < 3; i++) expect((await store.check(check)).allowed).toBe(true)
    for (let i = 0; i < 100; i++) {
      now += 9
      expect((await store.check(check)).allowed).toBe(false)
    }
    now = 1_000
    expect(await store.check(check)).toEqual({ allowed: true, states: [{ count: 1, resetMs: 1_000, violated: false }] })
  })
})

describe('in-memory store, failure partitions (dev without Redis)', () => {
  it('a peek needs room but counts nothing; a reset empties the partition', async () => {
    const store = createMemoryStore(() => 1_000)
    const failures: LimitCheck = { key: 'failed-login:x', quota: 2, windowMs: 900_000 }
    const requests: LimitCheck = { key: 'burst:x', quota: 100, windowMs: 1_000 }
    // Peeked with a request's policies: admitted, the request counted, the failures not.
    expect(await store.check([requests, { ...failures, peek: true }])).toMatchObject({ allowed: true, states: [{ count: 1 }, { count: 0 }] })
    // Two failures recorded fill it: the next peek refuses, and counts the request nowhere.
    await store.check([failures])
    await store.check([failures])
    expect(await store.check([requests, { ...failures, peek: true }])).toMatchObject({
      allowed: false,
      states: [{ count: 1 }, { count: 2, violated: true }],
    })
    await store.reset([failures.key])
    expect(await store.check([{ ...failures, peek: true }])).toMatchObject({ allowed: true, states: [{ count: 0 }] })
  })
})
