import * as z from 'zod/mini'
import '../config/zod-locale'

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
const policyNameSchema = z.lazy(() => z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _')))
const tierNameSchema = z.lazy(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/)))

/** Upper bounds keep the sliding-window log bounded: one sorted-set member per admitted request. */
const quotaSchema = z.lazy(() => z.number().check(z.int(), z.gte(1), z.lte(1_000_000)))
const windowSchema = z.lazy(() => z.number().check(z.int(), z.gte(1), z.lte(31 * 24 * 3600)))

export const policySchema = z.lazy(() => z.strictObject({
  name: policyNameSchema,
  /** Requests admitted per window (`q`). */
  quota: quotaSchema,
  /** Window in whole seconds (`w`; the draft has no sub-second windows). */
  window: windowSchema,
  scope: z._default(z.enum(['global', 'service', 'group']), 'global'),
  /** Only requests to these services / route groups (default: every limited request). */
  match: z._default(z
    .strictObject({
      services: z.optional(z.array(z.string().check(z.minLength(1)))),
      groups: z.optional(z.array(z.string().check(z.minLength(1)))),
    }), {}),
  /** What to do when the store fails or times out: `open` admits, `closed` answers 503. */
  failure: z._default(z.enum(['open', 'closed']), 'open'),
  /** Per-tier overrides, e.g. `{ pro: { quota: 100 } }`. */
  tiers: z._default(z.record(tierNameSchema, z.strictObject({ quota: z.optional(quotaSchema), window: z.optional(windowSchema) })), {}),
}))

// `kind` is the stores' discriminator, where a one-value `z.enum` is `z.literal`'s equal (its
// message never shows: another kind is the union's issue), and z.literal costs the bundle bytes.
export const redisStoreSchema = z.lazy(() => z.strictObject({
  kind: z.enum(['upstash']),
  /** Upstash REST URL (or the local bridge, scripts/upstash-bridge.mjs). */
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().check(z.minLength(1)),
  /** Per call; the decision gives up (and applies each policy's `failure`) after this. */
  timeoutMs: z._default(z.number().check(z.int(), z.gte(1), z.lte(10_000)), 100),
  /**
   * Per call until this isolate's store has answered once, and again after a call failed
   * without an answer (connection refused or dropped): those calls also set up the
   * connection and load the script. Envoy's `connect_timeout` next to its request timeout.
   */
  connectTimeoutMs: z._default(z.number().check(z.int(), z.gte(1), z.lte(10_000)), 1000),
  /** Prefix of every key the limiter writes. */
  prefix: z._default(z.string().check(z.regex(/^[A-Za-z0-9:_-]{1,32}$/)), 'sy:rl'),
}))

/**
 * Per-isolate counters: for `npm run dev` without redis-server, never shared between
 * isolates. The Redis store's tuning keys are accepted and unused, so one
 * `SWITCHYARD_RATE_LIMIT` override works whichever store the environment picks.
 */
export const memoryStoreSchema = z.lazy(() => z.strictObject({
  kind: z.enum(['memory']),
  timeoutMs: z.optional(redisStoreSchema._zod.innerType.shape.timeoutMs),
  connectTimeoutMs: z.optional(redisStoreSchema._zod.innerType.shape.connectTimeoutMs),
  prefix: z.optional(redisStoreSchema._zod.innerType.shape.prefix),
}))

/** A limit on failures: at most `quota` in any `window` seconds. */
const failureLimitSchema = z.lazy(() => z.strictObject({ quota: quotaSchema, window: windowSchema }))

/**
 * Failed authentication, limited (src/ratelimit/failures.ts): per client address, every
 * failure (a 401 anywhere, a failed login or refresh); per account, failed logins on the
 * routes whose table entry says where the account is (`rateLimit.failures.account`).
 * Past either, 429 before the credential is checked.
 */
export const failuresSchema = z.lazy(() => z.strictObject({
  address: failureLimitSchema,
  account: failureLimitSchema,
  /** Store down or slow: `open` lets the attempt through unchecked, `closed` answers 503. */
  failure: z._default(z.enum(['open', 'closed']), 'open'),
}))

/** Names the failure partitions go by in headers and problems; no policy may take them. */
export const FAILURE_POLICY_NAMES = { address: 'failed-auth', account: 'failed-login' } as const

export const rateLimitConfigSchema = z.lazy(() => z
  .strictObject({
    store: z.discriminatedUnion('kind', [redisStoreSchema, memoryStoreSchema]),
    policies: z.array(policySchema).check(z.minLength(1)),
    failures: z.optional(failuresSchema),
    tier: z._default(z
      .strictObject({
        /** Token claim whose value names the caller's tier (`free`, `pro`, …). */
        claim: z._default(z.string().check(z.minLength(1)), 'tier'),
        /** Tier of callers whose claim is missing or unknown. */
        default: z._default(tierNameSchema, 'free'),
        /** Tier of callers without a verified identity (keyed by address). */
        anonymous: z.optional(tierNameSchema),
      }), { claim: 'tier', default: 'free' }),
    /** IPv6 callers are keyed by this prefix length: one host usually holds a whole /64. */
    ipv6PrefixBits: z._default(z.number().check(z.int(), z.gte(32), z.lte(128)), 64),
    /** `Retry-After` of the 503 a fail-closed policy answers while the store is down. */
    unavailableRetryAfterSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 1),
    /** Store failures are logged at most once per this many seconds per isolate, with a count. */
    failureLogSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 10),
    /** Largest number of denied partitions remembered per isolate. */
    denyCacheEntries: z._default(z.number().check(z.int(), z.gte(0), z.lte(1_000_000)), 10_000),
  })
  .check(z.refine((c) => new Set(c.policies.map((p) => p.name)).size === c.policies.length, {
    message: 'policy names must be unique',
    path: ['policies'],
  }), z.refine((c) => !c.policies.some((p) => Object.values<string>(FAILURE_POLICY_NAMES).includes(p.name)), {
    message: `${Object.values(FAILURE_POLICY_NAMES).join(' and ')} name the failure limits`,
    path: ['policies'],
  })))

export type RateLimitConfigInput = z.input<typeof rateLimitConfigSchema>
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>
export type PolicyConfig = z.output<typeof policySchema>
export type RedisStoreConfig = z.output<typeof redisStoreSchema>
export type FailuresConfig = z.output<typeof failuresSchema>

/** Validates a `rateLimit` section on its own (the gateway validates it as part of its config). */
export function parseRateLimitConfig(input: unknown): RateLimitConfig {
  const result = rateLimitConfigSchema.safeParse(input)
  if (!result.success) throw new Error(`invalid rate-limit config:\n${z.prettifyError(result.error)}`)
  return result.data
}
