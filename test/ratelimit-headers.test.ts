/**
 * `RateLimit` and `RateLimit-Policy` are written by concatenation on every response:
 * their bytes must equal what structured-headers' `serializeList` writes for the same
 * Lists (the draft's fields), duplicates merged as before, and out-of-range numbers
 * must still be refused by the library.
 */
import { serializeList, type Item } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import { rateLimitHeader, rateLimitPolicyHeader, type ServiceLimit } from '../src/ratelimit/headers'
import type { AppliedPolicy } from '../src/ratelimit/policies'

const params = (entries: [string, number][]) => new Map<string, number>(entries)

/** The reference: the library's serializer over the same Lists. */
function referencePolicy(policies: AppliedPolicy[]): string {
  const once = [...new Map(policies.map((p) => [p.name, p])).values()]
  return serializeList(once.map((p): Item => [p.name, params([['q', p.quota], ['w', p.window]])]))
}

function referenceLimits(limits: ServiceLimit[]): string {
  const byName = new Map<string, ServiceLimit>()
  for (const l of limits) {
    const seen = byName.get(l.name)
    byName.set(l.name, seen ? { name: l.name, remaining: Math.min(seen.remaining, l.remaining), resetSeconds: Math.max(seen.resetSeconds, l.resetSeconds) } : l)
  }
  return serializeList([...byName.values()].map((l): Item => [l.name, params([['r', Math.max(0, l.remaining)], ['t', Math.max(0, l.resetSeconds)]])]))
}

const policy = (name: string, quota: number, window: number): AppliedPolicy => ({ name, quota, window, failure: 'open', key: `k:${name}` })
const limit = (name: string, remaining: number, resetSeconds: number): ServiceLimit => ({ name, remaining, resetSeconds })

describe('RateLimit-Policy', () => {
  it.each([
    [[]],
    [[policy('burst', 20, 1)]],
    [[policy('burst', 20, 1), policy('sustained', 600, 60)]],
    // A composite: one policy per service its parts call, advertised once (the last, where the first stood).
    [[policy('per-service', 10, 60), policy('burst', 20, 1), policy('per-service', 10, 60)]],
    [[policy('a', 1, 1), policy('b', 1_000_000, 2_678_400), policy('a', 2, 3)]],
    [[policy('failed-auth', 5, 900)]],
  ])('%j is the library serialization', (policies) => {
    expect(rateLimitPolicyHeader(policies)).toBe(referencePolicy(policies))
  })
})

describe('RateLimit', () => {
  it.each([
    [[]],
    [[limit('burst', 19, 1), limit('sustained', 599, 60)]],
    // The tightest partition per name: least remaining, longest wait; never below 0.
    [[limit('per-service', 3, 10), limit('burst', 0, 1), limit('per-service', 1, 50), limit('per-service', 7, 20)]],
    [[limit('burst', -4, 0), limit('x', 0, -1)]],
    [[limit('big', 999_999_999_999_999, 2_678_400)]],
  ])('%j is the library serialization', (limits) => {
    expect(rateLimitHeader(limits)).toBe(referenceLimits(limits))
  })

  it('refuses what the library refuses: an integer out of the sf-integer range', () => {
    const limits = [limit('burst', 1e16, 1)]
    expect(() => referenceLimits(limits)).toThrow()
    expect(() => rateLimitHeader(limits)).toThrow()
  })
})
