/**
 * API key → the consumer's identity. Records found in the store are kept per isolate
 * for `cacheTtlSeconds` (misses too), so a busy key costs no store query per request; a
 * revocation applies at once in the isolate that served it (`forget`) and within that
 * time in every other one.
 */
import type { Context as TraceContext } from '@opentelemetry/api'
import { withinTrace } from '../tracing/within'
import type { Identity } from '../types'
import { hashSecret, parseKey, sameDigest } from './key'
import type { ConsumerStore, StoredKey } from './store'

export class KeyError extends Error {
  constructor(
    readonly kind: 'invalid_key' | 'unavailable',
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(description, options)
    this.name = 'KeyError'
  }
}

export interface KeyVerifier {
  /** `trace`: the request's trace context; a store query (a cache miss) runs in it, so a Redis call is a span of the request. */
  verify(raw: string, trace?: TraceContext): Promise<Identity>
  /** Drops a key's cached record (this isolate only): a revocation applies here at once. */
  forget(keyId: string): void
}

const MAX_CACHED = 1000

export function createKeyVerifier(store: ConsumerStore, cacheTtlSeconds: number): KeyVerifier {
  const cache = new Map<string, { record: StoredKey | null; until: number }>()
  const lookup = async (keyId: string, trace: TraceContext | undefined) => {
    const hit = cache.get(keyId)
    if (hit && hit.until > Date.now()) return hit.record
    let record: StoredKey | null
    try {
      record = await withinTrace(trace, () => store.findKey(keyId))
    } catch (err) {
      throw new KeyError('unavailable', 'The API key store cannot be reached', { cause: err })
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
    cache.set(keyId, { record, until: Date.now() + cacheTtlSeconds * 1000 })
    return record
  }
  return {
    forget: (keyId) => void cache.delete(keyId),
    async verify(raw, trace) {
      const parsed = parseKey(raw)
      if (!parsed) throw new KeyError('invalid_key', 'The API key is malformed')
      // Hashed first, whether or not the key id exists: the same work for every key.
      const digest = await hashSecret(parsed.secret)
      const record = await lookup(parsed.keyId, trace)
      // One answer for unknown, wrong and revoked keys: nothing tells them apart.
      if (!record || record.revoked_at !== null || !sameDigest(digest, record.hash)) {
        throw new KeyError('invalid_key', 'The API key is not valid')
      }
      const { consumer } = record
      return {
        sub: `consumer:${consumer.id}`,
        scopes: consumer.scopes,
        roles: consumer.roles,
        // The rate limiter reads the tier from the `tier` claim (src/ratelimit/client-key.ts).
        claims: { sub: `consumer:${consumer.id}`, consumer: consumer.name, key_id: record.id, ...(consumer.tier && { tier: consumer.tier }) },
      }
    },
  }
}
