import type { Logger } from '../log'
import { callLogFields } from './call-log'
import { clientGone } from './signals'
import type { CallContext, Upstream } from './types'

/** One instance of a service: a service binding or a base URL. */
export interface Instance {
  /** Binding name or base URL, as shown in health and logs. */
  id: string
  upstream: Upstream
}

export interface EjectionOptions {
  /** Failures in a row (thrown, timed out or 5xx) that eject an instance. */
  consecutiveFailures: number
  /** Ejection time is baseMs × times ejected in a row, capped at maxMs. */
  baseMs: number
  maxMs: number
  /** At most this share of the pool is ejected at once (at least one, never all). */
  maxPercent: number
}

export interface BalanceOptions {
  /** Service name, for logs. */
  service: string
  strategy: 'p2c' | 'round-robin'
  ejection: EjectionOptions
  logger?: Logger
  /** For tests of the choice itself; defaults to Math.random. */
  random?: () => number
}

export interface InstanceStatus {
  id: string
  /** Calls sent and not yet answered (headers). */
  outstanding: number
  consecutive_failures: number
  ejected: boolean
  ejected_until?: string
  times_ejected: number
}

export interface BalancedUpstream extends Upstream {
  status(): InstanceStatus[]
  /** Calls the first instance not ejected, leaving every counter alone (health probes). */
  probe: Upstream
}

interface Slot {
  instance: Instance
  outstanding: number
  failures: number
  ejectedUntil: number
  ejections: number
}

/**
 * Spreads calls over a service's instances and keeps failing ones out, like Envoy's
 * load balancer with outlier detection (passive health). `p2c` picks two healthy
 * instances at random and sends to the one with fewer outstanding calls (power of two
 * choices); `round-robin` takes them in turn. An instance that fails
 * `consecutiveFailures` times in a row is ejected for a while, but never the last
 * healthy one and never more than `maxPercent` of the pool. A call the client
 * abandoned is not held against an instance.
 *
 * Written here because neither cockatiel nor Hono balances; the state is a few
 * counters per instance, per isolate.
 *
 * @example
 * ```ts
 * const users = balance(
 *   [{ id: 'USERS', upstream: bindingTransport(env.USERS) }, { id: 'USERS_B', upstream: bindingTransport(env.USERS_B) }],
 *   { service: 'users', strategy: 'p2c', ejection: { consecutiveFailures: 5, baseMs: 30_000, maxMs: 300_000, maxPercent: 50 } },
 * )
 * users.status() // [{ id: 'USERS', ejected: false, … }, …]
 * ```
 */
export function balance(pool: Instance[], options: BalanceOptions): BalancedUpstream {
  if (pool.length === 0) throw new Error(`service ${options.service}: no instances`)
  const slots: Slot[] = pool.map((instance) => ({ instance, outstanding: 0, failures: 0, ejectedUntil: 0, ejections: 0 }))
  const random = options.random ?? Math.random
  const { ejection } = options
  let turn = 0

  const pick = (now: number): Slot => {
    const healthy = slots.filter((s) => s.ejectedUntil <= now)
    const candidates = healthy.length > 0 ? healthy : slots
    if (candidates.length === 1) return candidates[0]!
    if (options.strategy === 'round-robin') return candidates[turn++ % candidates.length]!
    const i = Math.floor(random() * candidates.length)
    let j = Math.floor(random() * (candidates.length - 1))
    if (j >= i) j++
    const [a, b] = [candidates[i]!, candidates[j]!]
    return b.outstanding < a.outstanding ? b : a
  }

  const mayEject = (now: number): boolean => {
    if (ejection.maxPercent === 0) return false
    const limit = Math.min(slots.length - 1, Math.max(1, Math.floor((slots.length * ejection.maxPercent) / 100)))
    return slots.filter((s) => s.ejectedUntil > now).length < limit
  }

  /** A failed call; an ejection is logged with the request that saw it (its id, trace and span). */
  const failed = (slot: Slot, reason: string, ctx: CallContext) => {
    slot.failures++
    const now = Date.now()
    if (slot.failures < ejection.consecutiveFailures || !mayEject(now)) return
    slot.ejections++
    slot.failures = 0
    const forMs = Math.min(ejection.maxMs, ejection.baseMs * slot.ejections)
    slot.ejectedUntil = now + forMs
    options.logger?.log('warn', 'upstream instance ejected', {
      ...callLogFields(ctx),
      service: options.service,
      instance: slot.instance.id,
      reason,
      for_ms: forMs,
    })
  }

  const succeeded = (slot: Slot) => {
    slot.failures = 0
    // Back from ejection and answering again: the next ejection starts short.
    if (slot.ejectedUntil <= Date.now()) slot.ejections = 0
  }

  const call: Upstream = async (req, ctx) => {
    const slot = pick(Date.now())
    slot.outstanding++
    let res: Response
    try {
      res = await slot.instance.upstream(req, ctx)
    } catch (err) {
      slot.outstanding--
      if (!clientGone(ctx.signal)) failed(slot, err instanceof Error ? err.message : String(err), ctx)
      throw err
    }
    slot.outstanding--
    if (res.status >= 500) failed(slot, `status ${res.status}`, ctx)
    else succeeded(slot)
    return res
  }

  const status = (): InstanceStatus[] => {
    const now = Date.now()
    return slots.map((s) => ({
      id: s.instance.id,
      outstanding: s.outstanding,
      consecutive_failures: s.failures,
      ejected: s.ejectedUntil > now,
      ...(s.ejectedUntil > now ? { ejected_until: new Date(s.ejectedUntil).toISOString() } : {}),
      times_ejected: s.ejections,
    }))
  }
  const probe: Upstream = (req, ctx) => {
    const now = Date.now()
    return (slots.find((s) => s.ejectedUntil <= now) ?? slots[0]!).instance.upstream(req, ctx)
  }
  return Object.assign(call, { status, probe })
}
