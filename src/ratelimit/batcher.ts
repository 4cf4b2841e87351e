/**
 * Group commit for store calls: decisions that arrive while `maxInFlight` calls are
 * already out wait, and go together in the next call as soon as one comes back. At low
 * load every decision leaves at once (a batch of one); under a burst, N requests in
 * flight make a handful of calls instead of N.
 *
 * On Workers a call's I/O belongs to the request that started it, so a batch is always
 * sent from the context of a request that is IN it: each member registers a reaction on
 * its batch's gate, and the reaction runs in that member's own request (workerd runs a
 * promise reaction in the context that registered it); the first one alive sends, the
 * rest find the batch gone. Hand-written: this is a queue and a counter, and no library
 * here batches with that constraint.
 */
export interface BatcherOptions<E, R> {
  /** Sends one batch; resolves with one result per entry, in order. */
  send: (entries: E[]) => Promise<R[]>
  maxInFlight: number
  maxBatch: number
}

interface Member<E, R> {
  entry: E
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

interface Batch<E, R> {
  members: Member<E, R>[]
  /** Its turn came (a call slot is its own). */
  sent: boolean
  /** A member's reaction has begun the call. */
  taken: boolean
  open: () => void
  gate: Promise<void>
}

export class Batcher<E, R> {
  #inFlight = 0
  readonly #waiting: Batch<E, R>[] = []
  /** Calls made and entries sent, for stats and benches. */
  readonly stats = { calls: 0, entries: 0, largestBatch: 0 }

  constructor(private readonly options: BatcherOptions<E, R>) {}

  submit(entry: E): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let batch = this.#waiting.at(-1)
      if (!batch || batch.sent || batch.members.length >= this.options.maxBatch) {
        let open!: () => void
        const gate = new Promise<void>((r) => (open = r))
        batch = { members: [], sent: false, taken: false, open, gate }
        this.#waiting.push(batch)
      }
      batch.members.push({ entry, resolve, reject })
      const mine = batch
      // Sent from this request's context when its turn comes (see the class comment).
      void mine.gate.then(() => this.#send(mine))
      // A free slot: go at the end of this turn, so entries of the same turn join.
      if (this.#inFlight < this.options.maxInFlight && mine.members.length === 1) {
        queueMicrotask(() => this.#release())
      }
    })
  }

  /** Opens the oldest waiting batch if a call slot is free. */
  #release(): void {
    if (this.#inFlight >= this.options.maxInFlight) return
    const next = this.#waiting.find((b) => !b.sent)
    if (!next) return
    this.#inFlight += 1
    next.sent = true
    this.#waiting.splice(this.#waiting.indexOf(next), 1)
    next.open()
  }

  async #send(batch: Batch<E, R>): Promise<void> {
    if (batch.taken) return
    batch.taken = true
    const members = batch.members
    this.stats.calls += 1
    this.stats.entries += members.length
    this.stats.largestBatch = Math.max(this.stats.largestBatch, members.length)
    try {
      const results = await this.options.send(members.map((m) => m.entry))
      members.forEach((m, i) => m.resolve(results[i]!))
    } catch (err) {
      members.forEach((m) => m.reject(err))
    } finally {
      this.#inFlight -= 1
      this.#release()
    }
  }
}
