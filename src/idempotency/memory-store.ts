import type { IdempotencyStore } from './store'

/**
 * The store in this isolate's memory, for `npm run dev` without redis-server: keys are
 * per isolate, so two isolates (or instances) would each run a repeated request once.
 * Bounded: beyond `maxEntries` the oldest keys are dropped first.
 */
export function createMemoryStore(maxEntries = 10_000, now: () => number = Date.now): IdempotencyStore {
  const entries = new Map<string, { value: string; expires: number }>()

  const current = (key: string) => {
    const entry = entries.get(key)
    if (entry && entry.expires <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const put = (key: string, value: string, ms: number) => {
    entries.delete(key)
    entries.set(key, { value, expires: now() + ms })
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
  }

  return {
    kind: 'memory',
    async claim(key, lock, lockMs) {
      const entry = current(key)
      if (entry) return entry.value
      put(key, lock, lockMs)
      return null
    },
    async complete(key, lock, answer, ttlMs) {
      if (current(key)?.value !== lock) return false
      put(key, answer, ttlMs)
      return true
    },
    async release(key, lock) {
      if (current(key)?.value !== lock) return false
      entries.delete(key)
      return true
    },
  }
}
