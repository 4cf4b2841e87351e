/**
 * How the limiter's store has been doing, as this isolate saw it: for `/health/ready`,
 * and to log failures once per interval with a count instead of a line per request.
 * Workers have no background timers, so a line is due on a failure once the interval
 * has passed since the last one, and on the first success after failures (the count of
 * that last stretch is never lost).
 */
export interface StoreHealthReport {
  store: 'upstash' | 'memory'
  /** `failing` from a failed decision until the next successful one. */
  status: 'ok' | 'failing' | 'unknown'
  last_error?: string
  last_error_at?: string
  last_ok_at?: string
  fail_open_total: number
  fail_closed_total: number
}

/** A log line due now: failures since the last line, by mode. */
export interface FailureSummary {
  error: string
  fail_open: number
  fail_closed: number
  fail_open_total: number
  fail_closed_total: number
  /** The stretch of failures ended with a successful decision. */
  recovered: boolean
}

export class StoreHealth {
  #status: StoreHealthReport['status'] = 'unknown'
  #lastError: string | undefined
  #lastErrorAt: number | undefined
  #lastOkAt: number | undefined
  #totals = { open: 0, closed: 0 }
  #unlogged = { open: 0, closed: 0 }
  #loggedAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly store: StoreHealthReport['store'],
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A decision the store could not make; returns the log line due, if one is. */
  failed(mode: 'open' | 'closed', error: string): FailureSummary | undefined {
    const time = this.now()
    this.#status = 'failing'
    this.#lastError = error
    this.#lastErrorAt = time
    this.#totals[mode] += 1
    this.#unlogged[mode] += 1
    if (time - this.#loggedAt < this.intervalMs) return undefined
    return this.#summary(time, false)
  }

  /** A decision the store made; after failures, returns the closing log line. */
  succeeded(): FailureSummary | undefined {
    const time = this.now()
    this.#lastOkAt = time
    if (this.#status === 'ok') return undefined
    const wasFailing = this.#status === 'failing'
    this.#status = 'ok'
    if (!wasFailing) return undefined
    return this.#summary(time, true)
  }

  get totals(): { failOpen: number; failClosed: number } {
    return { failOpen: this.#totals.open, failClosed: this.#totals.closed }
  }

  report(): StoreHealthReport {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())
    return {
      store: this.store,
      status: this.#status,
      ...(this.#lastError !== undefined ? { last_error: this.#lastError, last_error_at: iso(this.#lastErrorAt) } : {}),
      ...(this.#lastOkAt !== undefined ? { last_ok_at: iso(this.#lastOkAt) } : {}),
      fail_open_total: this.#totals.open,
      fail_closed_total: this.#totals.closed,
    }
  }

  #summary(time: number, recovered: boolean): FailureSummary | undefined {
    const { open, closed } = this.#unlogged
    if (open === 0 && closed === 0 && !recovered) return undefined
    this.#loggedAt = time
    this.#unlogged = { open: 0, closed: 0 }
    return {
      error: this.#lastError ?? 'unknown',
      fail_open: open,
      fail_closed: closed,
      fail_open_total: this.#totals.open,
      fail_closed_total: this.#totals.closed,
      recovered,
    }
  }
}
