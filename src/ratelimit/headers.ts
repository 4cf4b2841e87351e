import { serializeBareItem, serializeItem } from 'structured-headers'
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

/**
 * Hand-built rather than through `serializeList` on every response: a policy name is
 * serialized once (an sf-string, by the library) and the integers are appended as the
 * library would write them (`String(n)`), so the bytes are the same; anything that is not
 * an integer in the sf-integer range goes through the library (which throws or writes
 * a decimal, exactly as before).
 */
const quoted = new Map<string, string>()
function sfString(name: string): string {
  let out = quoted.get(name)
  if (out === undefined) {
    out = serializeItem(name)
    // Names come from the config (a bounded set); a stray caller must not grow this.
    if (quoted.size < 1024) quoted.set(name, out)
  }
  return out
}

const MAX_SF_INTEGER = 999_999_999_999_999
const sfNumber = (n: number): string =>
  Number.isInteger(n) && n >= -MAX_SF_INTEGER && n <= MAX_SF_INTEGER ? String(n) : serializeBareItem(n)

/** `"name";a=1;b=2`, as `serializeItem([name, new Map([[a, 1], [b, 2]])])` writes it. */
const member = (name: string, a: string, x: number, b: string, y: number): string =>
  `${sfString(name)};${a}=${sfNumber(x)};${b}=${sfNumber(y)}`

/** A policy applies to a composite once per service its parts call: advertised once (the last of a name, where the first stood). */
export function rateLimitPolicyHeader(policies: AppliedPolicy[]): string {
  let out = ''
  for (let i = 0; i < policies.length; i++) {
    const name = policies[i]!.name
    if (indexOfName(policies, name) !== i) continue
    const p = lastOfName(policies, name, i)
    out += `${out ? ', ' : ''}${member(p.name, 'q', p.quota, 'w', p.window)}`
  }
  return out
}

/** Per policy name, its tightest partition: the least remaining, the longest wait. */
export function rateLimitHeader(limits: ServiceLimit[]): string {
  let out = ''
  for (let i = 0; i < limits.length; i++) {
    const first = limits[i]!
    if (indexOfName(limits, first.name) !== i) continue
    let { remaining, resetSeconds } = first
    for (let j = i + 1; j < limits.length; j++) {
      const l = limits[j]!
      if (l.name !== first.name) continue
      remaining = Math.min(remaining, l.remaining)
      resetSeconds = Math.max(resetSeconds, l.resetSeconds)
    }
    out += `${out ? ', ' : ''}${member(first.name, 'r', Math.max(0, remaining), 't', Math.max(0, resetSeconds))}`
  }
  return out
}

/** Lists are a handful of entries: a scan beats building a Map per response. */
function indexOfName(list: { name: string }[], name: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.name === name) return i
  return -1
}

function lastOfName<T extends { name: string }>(list: T[], name: string, from: number): T {
  let last = list[from]!
  for (let i = from + 1; i < list.length; i++) if (list[i]!.name === name) last = list[i]!
  return last
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
