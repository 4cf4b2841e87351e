/**
 * Where keys live: Redis through the Upstash REST API (shared by every isolate and
 * instance), or one isolate's memory. Every operation is atomic on one key.
 */
export interface IdempotencyStore {
  readonly kind: 'upstash' | 'memory'
  /**
   * Writes `lock` under `key` for `lockMs` if the key is free, and returns null; if the
   * key is taken, writes nothing and returns what is there (a lock or an answer).
   */
  claim(key: string, lock: string, lockMs: number): Promise<string | null>
  /** Replaces `lock` with `answer` for `ttlMs`; false if `lock` is no longer what is stored. */
  complete(key: string, lock: string, answer: string, ttlMs: number): Promise<boolean>
  /** Deletes `lock` so the key can be used again; false if it is no longer what is stored. */
  release(key: string, lock: string): Promise<boolean>
}

/** The store could not answer (timeout, transport or Redis error): the configured `failure` applies. */
export class IdempotencyStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'IdempotencyStoreError'
  }
}
