import { serializeList, type Item } from 'structured-headers'
import { problemType, type Problem } from '../../wire/problem'
import type { AppliedPolicy } from './policies'

/**
 * Response fields of draft-ietf-httpapi-ratelimit-headers-11, as structured-field
 * Lists: `RateLimit-Policy: "burst";q=20;w=1, "sustained";q=600;w=60` and
 * `RateLimit: "burst";r=19;t=1, "sustained";r=599;t=60`.
 */
export interface ServiceLimit {
  name: string
  /** Available quota (`r`). */
  remaining: number
  /** Seconds within which no more than `remaining` may be used (`t`). */
  resetSeconds: number
}

const params = (entries: [string, number][]) => new Map<string, number>(entries)

/** A policy applies to a composite once per service its parts call: advertised once. */
export function rateLimitPolicyHeader(policies: AppliedPolicy[]): string {
  const once = [...new Map(policies.map((p) => [p.name, p])).values()]
  return serializeList(once.map((p): Item => [p.name, params([['q', p.quota], ['w', p.window]])]))
}

/** Per policy name, its tightest partition: the least remaining, the longest wait. */
export function rateLimitHeader(limits: ServiceLimit[]): string {
  const byName = new Map<string, ServiceLimit>()
  for (const l of limits) {
    const seen = byName.get(l.name)
    byName.set(
      l.name,
      seen ? { name: l.name, remaining: Math.min(seen.remaining, l.remaining), resetSeconds: Math.max(seen.resetSeconds, l.resetSeconds) } : l,
    )
  }
  return serializeList(
    [...byName.values()].map((l): Item => [l.name, params([['r', Math.max(0, l.remaining)], ['t', Math.max(0, l.resetSeconds)]])]),
  )
}

/** Whole seconds, rounded up: a client that waits this long is never early. */
export const toSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000))

/**
 * On the one problem base like every other type. The draft registers
 * `https://iana.org/assignments/http-problem-types#quota-exceeded`; the fragment is kept
 * the same so clients that know the draft's name still recognize it.
 */
export const QUOTA_EXCEEDED_TYPE = problemType('quota-exceeded')

export function quotaExceeded(violated: string[], retryAfterSeconds: number): Problem {
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Quota Exceeded',
    status: 429,
    detail: `Too many requests for policy ${violated.join(', ')}; retry after ${retryAfterSeconds} s.`,
    'violated-policies': violated,
  }
}

export function limiterUnavailable(policies: string[]): Problem {
  return {
    type: problemType('rate-limit-unavailable'),
    title: 'Service Unavailable',
    status: 503,
    detail: 'The rate limiter cannot decide right now, and this route does not admit requests unchecked.',
    policies,
  }
}
