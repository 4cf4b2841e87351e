/** Requests and errors of one key (a route or a service) over the window. */
export interface RecentCounts {
  requests: number
  errors: number
  /** `errors / requests`, 0 without requests. */
  error_rate: number
}

export interface RecentSnapshot {
  window_s: number
  routes: Record<string, RecentCounts>
  upstreams: Record<string, RecentCounts>
  /** Rate-limit decisions by outcome (`allowed`, `denied`, `fail-open`, `fail-closed`). */
  limiter: Record<string, number>
}

interface Bucket {
  slot: number
  routes: Map<string, [number, number]>
  upstreams: Map<string, [number, number]>
  limiter: Map<string, [number, number]>
}

/**
 * Request, error and rate-limit outcome counts of the last `windowS` seconds in this isolate, in
 * `buckets` slots that roll over as time passes: the "recent error rate" of the
 * status page. Always kept (it is a few small maps), unlike the OTel export.
 */
export class RecentWindow {
  private readonly slotMs: number
  private readonly ring: Bucket[] = []

  constructor(
    private readonly windowS = 60,
    private readonly buckets = 6,
    private readonly now: () => number = Date.now,
  ) {
    this.slotMs = (windowS * 1000) / buckets
  }

  route(key: string, error: boolean): void {
    bump(this.current().routes, key, error)
  }

  upstream(key: string, error: boolean): void {
    bump(this.current().upstreams, key, error)
  }

  limiter(outcome: string): void {
    bump(this.current().limiter, outcome, false)
  }

  snapshot(): RecentSnapshot {
    const oldest = this.slot() - this.buckets + 1
    const live = this.ring.filter((b) => b.slot >= oldest)
    const limiter = Object.fromEntries(Object.entries(sum(live.map((b) => b.limiter))).map(([k, v]) => [k, v.requests]))
    return { window_s: this.windowS, routes: sum(live.map((b) => b.routes)), upstreams: sum(live.map((b) => b.upstreams)), limiter }
  }

  private slot(): number {
    return Math.floor(this.now() / this.slotMs)
  }

  private current(): Bucket {
    const slot = this.slot()
    const last = this.ring[this.ring.length - 1]
    if (last?.slot === slot) return last
    const bucket: Bucket = { slot, routes: new Map(), upstreams: new Map(), limiter: new Map() }
    this.ring.push(bucket)
    while (this.ring.length > this.buckets || (this.ring[0] && this.ring[0].slot <= slot - this.buckets)) this.ring.shift()
    return bucket
  }
}

/** At most this many keys per bucket: a flood of distinct unmatched paths must not grow memory. */
const MAX_KEYS = 200

function bump(map: Map<string, [number, number]>, key: string, error: boolean): void {
  let counts = map.get(key)
  if (!counts) {
    if (map.size >= MAX_KEYS) key = '(other)'
    counts = map.get(key) ?? [0, 0]
    map.set(key, counts)
  }
  counts[0]++
  if (error) counts[1]++
}

function sum(maps: Map<string, [number, number]>[]): Record<string, RecentCounts> {
  const totals = new Map<string, [number, number]>()
  for (const map of maps) {
    for (const [key, [requests, errors]] of map) {
      const t = totals.get(key) ?? [0, 0]
      t[0] += requests
      t[1] += errors
      totals.set(key, t)
    }
  }
  return Object.fromEntries(
    [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([key, [requests, errors]]) => [
      key,
      { requests, errors, error_rate: requests ? Math.round((errors / requests) * 1000) / 1000 : 0 },
    ]),
  )
}
