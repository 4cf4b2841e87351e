/**
 * Redis time as this isolate can bound it, so a decision's give-up time can be written
 * in the clock the script reads (`TIME`), whatever the skew between the hosts.
 *
 * A reply stamped `redisNow` by a call sent at local `sentAt` bounds the offset from
 * above: offset ≤ redisNow − sentAt. The smallest such bound over recent calls is the
 * estimate; it errs late, never early, so Redis stops admitting a decision no sooner
 * than its margin before the gateway gives up, and what it may still admit after that
 * is removed again by the store (compensation).
 */
export class RedisClock {
  readonly #bounds: number[] = []
  #offset: number | undefined

  constructor(private readonly samples = 32) {}

  sample(redisNow: number, sentAt: number): void {
    this.#bounds.push(redisNow - sentAt)
    if (this.#bounds.length > this.samples) this.#bounds.shift()
    this.#offset = Math.min(...this.#bounds)
  }

  /**
   * The Redis time after which the script must not admit a decision whose reply is no
   * longer read from local `giveUpAt` (`budgetMs` after it was sent): a fifth of the
   * budget earlier, for the answer's way back. 0 (none) until a reply bounded the offset.
   */
  deadline(giveUpAt: number, budgetMs: number): number {
    if (this.#offset === undefined) return 0
    return giveUpAt + this.#offset - Math.floor(budgetMs / 5)
  }
}
