/**
 * What a limiter store decides: for every policy partition of one request, all at
 * once. The request is admitted only if no partition is full, and then counts in
 * every one of them; a denied request counts in none.
 */
export interface LimitCheck {
  /** Partition key (already prefixed and hash-tagged by the caller). */
  key: string
  quota: number
  windowMs: number
  /** Must have room, but the request is not counted in it (failure partitions). */
  peek?: boolean
}

export interface LimitState {
  /** Requests counted in the window after this decision. */
  count: number
  /**
   * Milliseconds until this partition can admit one more request than now: when the
   * partition is full, the wait; otherwise when its oldest counted request leaves.
   */
  resetMs: number
  /** This partition was full, so it denied the request. */
  violated: boolean
}

export interface StoreDecision {
  allowed: boolean
  /** One per check, in order. */
  states: LimitState[]
}

export interface RateLimitStore {
  readonly kind: 'upstash' | 'memory'
  check(checks: LimitCheck[]): Promise<StoreDecision>
  /** Empties partitions (an account's failed logins after a successful one). */
  reset(keys: string[]): Promise<void>
}

/** The store could not decide (timeout, transport or Redis error): the policies' `failure` applies. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}
