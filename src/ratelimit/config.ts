import * as z from 'zod'

/**
 * Rate-limit section of the gateway config (`rateLimit`). Absent: nothing is limited.
 *
 * A policy is a quota `q` over a sliding window `w` seconds, counted per caller (the
 * verified JWT `sub`, else the client address) and partitioned by `scope`:
 * `global` (one counter per caller), `service` (per caller and service) or `group`
 * (per caller and route group, from `rateLimit.group` on a route). `match` narrows which
 * requests a policy applies to; `tiers` overrides quota/window per tier claim value.
 */

/** A policy name is sent as a structured-field string: keep it short and plain. */
const policyNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _')
const tierNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/)

/** Upper bounds keep the sliding-window log bounded: one sorted-set member per admitted request. */
const quotaSchema = z.number().int().min(1).max(1_000_000)
const windowSchema = z.number().int().min(1).max(31 * 24 * 3600)

export const policySchema = z.strictObject({
  name: policyNameSchema,
  /** Requests admitted per window (`q`). */
  quota: quotaSchema,
  /** Window in whole seconds (`w`; the draft has no sub-second windows). */
  window: windowSchema,
  scope: z.enum(['global', 'service', 'group']).default('global'),
  /** Only requests to these services / route groups (default: every limited request). */
  match: z
    .strictObject({
      services: z.array(z.string().min(1)).optional(),
      groups: z.array(z.string().min(1)).optional(),
    })
    .default({}),
  /** What to do when the store fails or times out: `open` admits, `closed` answers 503. */
  failure: z.enum(['open', 'closed']).default('open'),
  /** Per-tier overrides, e.g. `{ pro: { quota: 100 } }`. */
  tiers: z.record(tierNameSchema, z.strictObject({ quota: quotaSchema.optional(), window: windowSchema.optional() })).default({}),
})

export const redisStoreSchema = z.strictObject({
  kind: z.literal('upstash'),
  /** Upstash REST URL (or the local bridge, scripts/upstash-bridge.mjs). */
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1),
  /** Per call; the decision gives up (and applies each policy's `failure`) after this. */
  timeoutMs: z.number().int().min(1).max(10_000).default(100),
  /** Prefix of every key the limiter writes. */
  prefix: z.string().regex(/^[A-Za-z0-9:_-]{1,32}$/).default('sy:rl'),
})

/**
 * Per-isolate counters: for `npm run dev` without redis-server, never shared between
 * isolates. The Redis store's tuning keys are accepted and unused, so one
 * `SWITCHYARD_RATE_LIMIT` override works whichever store the environment picks.
 */
export const memoryStoreSchema = z.strictObject({
  kind: z.literal('memory'),
  timeoutMs: redisStoreSchema.shape.timeoutMs.optional(),
  prefix: redisStoreSchema.shape.prefix.optional(),
})

export const rateLimitConfigSchema = z
  .strictObject({
    store: z.discriminatedUnion('kind', [redisStoreSchema, memoryStoreSchema]),
    policies: z.array(policySchema).min(1),
    tier: z
      .strictObject({
        /** Token claim whose value names the caller's tier (`free`, `pro`, …). */
        claim: z.string().min(1).default('tier'),
        /** Tier of callers whose claim is missing or unknown. */
        default: tierNameSchema.default('free'),
        /** Tier of callers without a verified identity (keyed by address). */
        anonymous: tierNameSchema.optional(),
      })
      .default({ claim: 'tier', default: 'free' }),
    /** IPv6 callers are keyed by this prefix length: one host usually holds a whole /64. */
    ipv6PrefixBits: z.number().int().min(32).max(128).default(64),
    /** `Retry-After` of the 503 a fail-closed policy answers while the store is down. */
    unavailableRetryAfterSeconds: z.number().int().min(1).max(3600).default(1),
    /** Store failures are logged at most once per this many seconds per isolate, with a count. */
    failureLogSeconds: z.number().int().min(1).max(3600).default(10),
    /** Largest number of denied partitions remembered per isolate. */
    denyCacheEntries: z.number().int().min(0).max(1_000_000).default(10_000),
  })
  .refine((c) => new Set(c.policies.map((p) => p.name)).size === c.policies.length, {
    message: 'policy names must be unique',
    path: ['policies'],
  })

export type RateLimitConfigInput = z.input<typeof rateLimitConfigSchema>
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>
export type PolicyConfig = z.output<typeof policySchema>
export type RedisStoreConfig = z.output<typeof redisStoreSchema>

/** Validates a `rateLimit` section on its own (the gateway validates it as part of its config). */
export function parseRateLimitConfig(input: unknown): RateLimitConfig {
  const result = rateLimitConfigSchema.safeParse(input)
  if (!result.success) throw new Error(`invalid rate-limit config:\n${z.prettifyError(result.error)}`)
  return result.data
}
