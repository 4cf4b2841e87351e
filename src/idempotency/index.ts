import type { IdempotencyConfig } from './config'
import { createMemoryStore } from './memory-store'
import { createRedisStore } from './redis-store'
import type { IdempotencyStore } from './store'

export function createIdempotencyStore(config: IdempotencyConfig): IdempotencyStore {
  return config.store.kind === 'upstash' ? createRedisStore(config.store) : createMemoryStore(config.store.maxEntries)
}
