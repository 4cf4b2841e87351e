import { TracedRedis } from '../ratelimit/redis-store'
import type { IdempotencyRedisStoreConfig } from './config'
import { IdempotencyStoreError, type IdempotencyStore } from './store'

/** Takes a free key (returns nil), or returns what holds it. */
const CLAIM = `local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`

/** Replaces the caller's own lock (compared whole) with the answer. */
const COMPLETE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

/** Deletes the caller's own lock (compared whole). */
const RELEASE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`

/**
 * The store on Redis through the Upstash REST API (src/upstash/client.ts, the rate limiter's
 * client and env vars): one small Lua script per operation, so "read, then write if
 * free or still mine" is atomic without WATCH (which REST calls cannot hold open).
 * Like the limiter: no client retries, no auto-pipelining, a per-call abort signal and
 * an overall deadline of `timeoutMs`; values are JSON text (automatic deserialization off).
 */
export function createRedisStore(config: IdempotencyRedisStoreConfig): IdempotencyStore {
  const redis = new TracedRedis({
    url: config.url,
    token: config.token,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(config.timeoutMs),
    enableTelemetry: false,
    enableAutoPipelining: false,
    readYourWrites: false,
    automaticDeserialization: false,
  })
  const claim = redis.createScript<string | null>(CLAIM)
  const complete = redis.createScript<number>(COMPLETE)
  const release = redis.createScript<number>(RELEASE)

  const prefixed = (key: string) => `${config.prefix}:${key}`

  async function run<T>(operation: string, call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${config.timeoutMs} ms`)), config.timeoutMs)
    })
    call.catch(() => {}) // a late failure after the deadline is already handled
    try {
      return await Promise.race([call, limit])
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      throw new IdempotencyStoreError(`idempotency store ${operation} failed: ${reason}`, { cause: err })
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  }

  return {
    kind: 'upstash',
    async claim(key, lock, lockMs) {
      const found = await run('claim', claim.exec([prefixed(key)], [lock, String(lockMs)]))
      return typeof found === 'string' ? found : null
    },
    async complete(key, lock, answer, ttlMs) {
      return Number(await run('complete', complete.exec([prefixed(key)], [lock, answer, String(ttlMs)]))) === 1
    },
    async release(key, lock) {
      return Number(await run('release', release.exec([prefixed(key)], [lock]))) === 1
    },
  }
}
