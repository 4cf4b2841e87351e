import * as z from 'zod'

/**
 * `idempotency` section of the gateway config: how the gateway keeps the
 * `Idempotency-Key` promise (draft-ietf-httpapi-idempotency-key-header) for the POST
 * and PATCH routes whose table entry declares `idempotency`.
 */

/** Redis through the Upstash REST API: the store the rate limiter uses too. */
export const idempotencyRedisStoreSchema = z.strictObject({
  kind: z.literal('upstash'),
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1),
  /** Per store call; past it the call counts as failed and `failure` applies. */
  timeoutMs: z.number().int().min(1).max(10_000).default(1000),
  /** Prefix of every key written (`<prefix>:{<caller>}:<key>`). */
  prefix: z.string().regex(/^[A-Za-z0-9:_-]{1,32}$/).default('sy:idem'),
})

/** One isolate's memory: for `npm run dev` without redis-server; never shared between isolates. */
export const idempotencyMemoryStoreSchema = z.strictObject({
  kind: z.literal('memory'),
  /** Most keys held; the oldest go first beyond it. */
  maxEntries: z.number().int().min(1).max(1_000_000).default(10_000),
})

export const idempotencyConfigSchema = z
  .strictObject({
    /** Off: declarations are ignored, keys pass through to the origin unchecked. */
    enabled: z.boolean().default(true),
    store: z
      .discriminatedUnion('kind', [idempotencyRedisStoreSchema, idempotencyMemoryStoreSchema])
      .default({ kind: 'memory', maxEntries: 10_000 }),
    /** How long a finished answer is replayed for (the draft suggests at least 24 h). */
    ttlSeconds: z.number().int().min(60).max(7 * 24 * 3600).default(24 * 3600),
    /**
     * How long a key stays locked by a request that never finishes (its isolate died, the
     * client went away and the platform cancelled it). Longer than any route's deadline.
     */
    lockSeconds: z.number().int().min(1).max(3600).default(60),
    /**
     * Store down or slow: `closed` refuses keyed writes with 503 (never processed twice),
     * `open` processes them without the guarantee (and without gateway retries).
     */
    failure: z.enum(['closed', 'open']).default('closed'),
    /** `Retry-After` of the 409 (first request still in flight) and of the 503 (store down). */
    retryAfterSeconds: z.number().int().min(1).max(3600).default(1),
    /** Longest key accepted, in characters of the sf-string (400 above it). */
    maxKeyLength: z.number().int().min(1).max(1024).default(255),
    /** Largest answer body kept for replay; a larger one is not stored (the key is released). */
    maxBodyBytes: z.number().int().min(0).max(1024 * 1024).default(256 * 1024),
  })
  .prefault({})

export type IdempotencyConfig = z.output<typeof idempotencyConfigSchema>
export type IdempotencyConfigInput = NonNullable<z.input<typeof idempotencyConfigSchema>>
export type IdempotencyRedisStoreConfig = z.output<typeof idempotencyRedisStoreSchema>
