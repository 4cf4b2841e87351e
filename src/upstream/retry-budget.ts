/**
 * A retry budget per service, after Envoy's retry budgets and Finagle's RetryBudget:
 * within the last `windowMs`, retries may be at most max(minRetries, ratio × requests).
 * When an origin fails outright, load on it grows by at most `ratio` instead of
 * multiplying by the number of attempts. cockatiel has no budget, hence this.
 *
 * Counts live in `buckets` slots of windowMs/buckets each, so old traffic ages out
 * without storing a timestamp per request. State is per isolate, like the breaker's.
 */
export interface RetryBudgetOptions {
  ratio: number
  minRetries: number
  windowMs: number
  /** Slots the window is cut into (default 10). */
  buckets?: number
  now?: () => number
}

export interface RetryBudgetStatus {
  requests: number
  retries: number
  /** Retries the budget would still allow right now. */
  available: number
}

export class RetryBudget {
  private readonly slotMs: number
  private readonly requests: number[]
  private readonly retries: number[]
  private readonly slotStart: number[]
  private readonly now: () => number

  constructor(private readonly options: RetryBudgetOptions) {
    const buckets = options.buckets ?? 10
    this.slotMs = Math.max(1, Math.ceil(options.windowMs / buckets))
    this.requests = new Array<number>(buckets).fill(0)
    this.retries = new Array<number>(buckets).fill(0)
    this.slotStart = new Array<number>(buckets).fill(-Infinity)
    this.now = options.now ?? Date.now
  }

  /** Records one call that may want retries. */
  recordRequest(): void {
    this.requests[this.slot()]! += 1
  }

  /** Takes one retry from the budget; false when none is left. */
  tryRetry(): boolean {
    if (this.status().available < 1) return false
    this.retries[this.slot()]! += 1
    return true
  }

  status(): RetryBudgetStatus {
    const oldest = this.now() - this.options.windowMs
    let requests = 0
    let retries = 0
    for (let i = 0; i < this.requests.length; i++) {
      if (this.slotStart[i]! <= oldest) continue
      requests += this.requests[i]!
      retries += this.retries[i]!
    }
    const allowed = Math.max(this.options.minRetries, Math.floor(this.options.ratio * requests))
    return { requests, retries, available: Math.max(0, allowed - retries) }
  }

  /** The current slot, emptied first if it last held an older period. */
  private slot(): number {
    const now = this.now()
    const start = now - (now % this.slotMs)
    const i = Math.floor(now / this.slotMs) % this.requests.length
    if (this.slotStart[i] !== start) {
      this.slotStart[i] = start
      this.requests[i] = 0
      this.retries[i] = 0
    }
    return i
  }
}
