import * as z from 'zod/mini'

/**
 * `idempotency` section of the gateway config: how the gateway keeps the
 * `Idempotency-Key` promise (draft-ietf-httpapi-idempotency-key-header) for the POST
 * and PATCH routes whose table entry declares `idempotency`.
 */

/** Redis through the Upstash REST API: the store the rate limiter uses too. */
// `kind` is a one-value `z.enum` as in src/ratelimit/config.ts.
export const idempotencyRedisStoreSchema = z.lazy(() => z.strictObject({
  kind: z.enum(['upstash']),
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().check(z.minLength(1)),
  /** Per store call; past it the call counts as failed and `failure` applies. */
  timeoutMs: z._default(z.number().check(z.int(), z.gte(1), z.lte(10_000)), 1000),
  /** Prefix of every key written (`<prefix>:{<caller>}:<key>`). */
  prefix: z._default(z.string().check(z.regex(/^[A-Za-z0-9:_-]{1,32}$/)), 'sy:idem'),
}))

/** One isolate's memory: for `npm run dev` without redis-server; never shared between isolates. */
export const idempotencyMemoryStoreSchema = z.lazy(() => z.strictObject({
  kind: z.enum(['memory']),
  /** Most keys held; the oldest go first beyond it. */
  maxEntries: z._default(z.number().check(z.int(), z.gte(1), z.lte(1_000_000)), 10_000),
}))

export const idempotencyConfigSchema = z.lazy(() => z.prefault(
  z.strictObject({
    /** Off: declarations are ignored, keys pass through to the origin unchecked. */
    enabled: z._default(z.boolean(), true),
    store: z._default(
      z.discriminatedUnion('kind', [idempotencyRedisStoreSchema, idempotencyMemoryStoreSchema]), { kind: 'memory', maxEntries: 10_000 }),
    /** How long a finished answer is replayed for (the draft suggests at least 24 h). */
    ttlSeconds: z._default(z.number().check(z.int(), z.gte(60), z.lte(7 * 24 * 3600)), 24 * 3600),
    /**
     * How long a key stays locked by a request that never finishes (its isolate died, the
     * client went away and the platform cancelled it). Longer than any route's deadline.
     */
    lockSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 60),
    /**
     * Store down or slow: `closed` refuses keyed writes with 503 (never processed twice),
     * `open` processes them without the guarantee (and without gateway retries).
     */
    failure: z._default(z.enum(['closed', 'open']), 'closed'),
    /** `Retry-After` of the 409 (first request still in flight) and of the 503 (store down). */
    retryAfterSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 1),
    /** Longest key accepted, in characters of the sf-string (400 above it). */
    maxKeyLength: z._default(z.number().check(z.int(), z.gte(1), z.lte(1024)), 255),
    /** Largest answer body kept for replay; a larger one is not stored (the key is released). */
    maxBodyBytes: z._default(z.number().check(z.int(), z.gte(0), z.lte(1024 * 1024)), 256 * 1024),
  }), {}))

export type IdempotencyConfig = z.output<typeof idempotencyConfigSchema>
export type IdempotencyConfigInput = NonNullable<z.input<typeof idempotencyConfigSchema>>
export type IdempotencyRedisStoreConfig = z.output<typeof idempotencyRedisStoreSchema>
