/**
 * Partitions this isolate has seen denied, until the moment they admit again. A caller
 * that keeps knocking is answered from here with no store call, which also keeps a
 * flood from one identity off Redis. Bounded: past `maxEntries` the oldest entry goes.
 */
export class DenyCache {
  readonly #until = new Map<string, number>()

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers `key` as denied for `ms` more milliseconds. */
  deny(key: string, ms: number): void {
    if (this.maxEntries === 0 || ms <= 0) return
    this.#until.delete(key) // re-insert: Map order is the eviction order
    this.#until.set(key, this.now() + ms)
    if (this.#until.size > this.maxEntries) {
      const oldest = this.#until.keys().next().value
      if (oldest !== undefined) this.#until.delete(oldest)
    }
  }

  forget(key: string): void {
    this.#until.delete(key)
  }

  /** Milliseconds `key` stays denied, or 0 when it may be asked again. */
  remaining(key: string): number {
    const until = this.#until.get(key)
    if (until === undefined) return 0
    const left = until - this.now()
    if (left > 0) return left
    this.#until.delete(key)
    return 0
  }

  get size(): number {
    return this.#until.size
  }
}
