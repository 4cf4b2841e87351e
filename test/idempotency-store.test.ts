/**
 * The two idempotency stores keep one contract (src/idempotency/store.ts): the Redis one
 * against the real redis-server through the Upstash bridge, the memory one in process.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../src/idempotency/memory-store'
import { isFinal } from '../src/idempotency/record'
import { createRedisStore } from '../src/idempotency/redis-store'
import type { IdempotencyStore } from '../src/idempotency/store'
import { testRedis } from './ratelimit-support'

const stores: [string, () => IdempotencyStore][] = [
  ['memory', () => createMemoryStore()],
  ['redis', () => createRedisStore({ kind: 'upstash', ...testRedis(), timeoutMs: 5000, prefix: 'test:idem' })],
]

describe.each(stores)('%s store', (_, make) => {
  it('claims a free key once; the holder alone completes or releases it', async () => {
    const store = make()
    const key = `{u:1}:${crypto.randomUUID()}`
    expect(await store.claim(key, 'lock-a', 60_000)).toBeNull()
    expect(await store.claim(key, 'lock-b', 60_000)).toBe('lock-a')
    // Not the holder's lock: nothing changes.
    expect(await store.complete(key, 'lock-b', 'answer-b', 60_000)).toBe(false)
    expect(await store.release(key, 'lock-b')).toBe(false)
    expect(await store.claim(key, 'lock-c', 60_000)).toBe('lock-a')

    expect(await store.complete(key, 'lock-a', 'answer-a', 60_000)).toBe(true)
    expect(await store.claim(key, 'lock-d', 60_000)).toBe('answer-a')
    // A completed key is no lock any more: releasing it with the old lock does nothing.
    expect(await store.release(key, 'lock-a')).toBe(false)
    expect(await store.claim(key, 'lock-e', 60_000)).toBe('answer-a')
  })

  it('a released key is free again; keys of two callers are apart', async () => {
    const store = make()
    const id = crypto.randomUUID()
    expect(await store.claim(`{u:1}:${id}`, 'lock-1', 60_000)).toBeNull()
    expect(await store.claim(`{u:2}:${id}`, 'lock-2', 60_000)).toBeNull()
    expect(await store.release(`{u:1}:${id}`, 'lock-1')).toBe(true)
    expect(await store.claim(`{u:1}:${id}`, 'lock-3', 60_000)).toBeNull()
    expect(await store.claim(`{u:2}:${id}`, 'lock-4', 60_000)).toBe('lock-2')
  })
})

describe('memory store bounds', () => {
  it('a lock expires after its time; the oldest keys go beyond maxEntries', async () => {
    let now = 0
    const store = createMemoryStore(2, () => now)
    expect(await store.claim('a', 'lock-a', 1000)).toBeNull()
    now = 1000
    expect(await store.claim('a', 'lock-a2', 1000)).toBeNull()
    expect(await store.complete('a', 'lock-a', 'late', 1000)).toBe(false)
    expect(await store.claim('b', 'lock-b', 1000)).toBeNull()
    expect(await store.claim('c', 'lock-c', 1000)).toBeNull()
    // Three keys, room for two: "a" went first.
    expect(await store.claim('a', 'lock-a3', 1000)).toBeNull()
    expect(await store.claim('c', 'x', 1000)).toBe('lock-c')
  })
})

describe('which answers are kept for replay', () => {
  it('2xx and 4xx but 408, 425 and 429; never 1xx, 3xx or 5xx', () => {
    const kept = [200, 201, 202, 204, 400, 403, 404, 409, 410, 422].map(isFinal)
    const released = [101, 301, 304, 408, 425, 429, 500, 502, 503, 504].map(isFinal)
    expect(kept.every(Boolean)).toBe(true)
    expect(released.some(Boolean)).toBe(false)
  })
})
