import { UpstashRedis as Redis } from '../upstash/client'
import { SpanKind } from '@opentelemetry/api'
import { injectTraceHeaders } from '../../wire/tracing/client'
import { Batcher } from './batcher'
import { RedisClock } from './clock'
import type { RedisStoreConfig } from './config'
import { batchArgs, parseBatchReply, SLIDING_WINDOW_SCRIPT, type BatchEntry, type EntryReply } from './script'
import { StoreUnavailableError, type LimitCheck, type RateLimitStore, type StoreDecision } from './store'
import { digestHex, randomHex } from '../hex'

/** A member unique to one request in a partition's sorted set (never client-chosen). */
function uniqueMember(): string {
  return randomHex(12)
}

/** The caller's hash tag (`{…}`) of a partition key: one script run per caller and batch. */
const hashTag = (key: string): string => key.slice(key.indexOf('{'), key.indexOf('}') + 1)


/**
 * The Upstash client whose every REST call carries the request's trace context (a new
 * parent id per call): the client has no fetch hook, but its requester takes
 * per-request headers, so the subclass wraps it.
 */
export class TracedRedis extends Redis {
  constructor(config: ConstructorParameters<typeof Redis>[0]) {
    super(config)
    const http = this.client
    this.client = {
      ...http,
      request: (req) => http.request({ ...req, headers: injectTraceHeaders({ ...req.headers }, 'redis', SpanKind.CLIENT) }),
    }
  }
}

/** Redis answered, with an error: the connection works. */
class RedisReplyError extends Error {}

/** Period of the store timeout's clock (see {@link storeTimeout}). */
const TICK_MS = 10

/**
 * Rejects once the store has had `ms` to answer while this isolate was free to read the
 * answer, or after `boundMs` of wall time whatever happened. A tick that comes on time
 * counts its gap; a late one counts nothing: the isolate was busy with other requests,
 * and a reply can sit unread behind them (under bursts here, timers kept firing while a
 * reply waited over a second to be read). A store that is really slow meets punctual ticks and the plain timeout; a
 * saturated isolate does not fail open on answers it has simply not read yet.
 */
function storeTimeout(ms: number, boundMs: number): { promise: Promise<never>; cancel: () => void; restart: () => void } {
  let timer: ReturnType<typeof setInterval> | undefined
  let spent = 0
  const promise = new Promise<never>((_, reject) => {
    const started = Date.now()
    let last = started
    timer = setInterval(() => {
      const now = Date.now()
      const gap = now - last
      last = now
      if (gap <= 2 * TICK_MS) spent += gap
      if (spent < ms && now - started < boundMs) return
      if (timer !== undefined) clearInterval(timer)
      reject(new Error(spent >= ms ? `no answer within ${ms} ms` : `no answer within ${boundMs} ms of a saturated isolate`))
    }, TICK_MS)
  })
  // A store that answered gets the whole budget again for a call it asked for.
  const cancel = () => {
    if (timer !== undefined) clearInterval(timer)
  }
  return { promise, cancel, restart: () => (spent = 0) }
}

/** Decisions in flight per isolate before new ones wait for the next batch. */
const MAX_IN_FLIGHT = 2
/** Requests per batch at most (one REST call). */
const MAX_BATCH = 500

export interface RedisStoreStats {
  /** REST calls that carried decisions. */
  calls: number
  /** Decisions sent. */
  decisions: number
  largestBatch: number
  /** Decisions answered after the gateway gave up and admitted there: removed again. */
  compensated: number
}

/**
 * The limiter's store on Redis through the Upstash REST API (src/upstash/client.ts), built to
 * stay exact under bursts with a short `timeoutMs`:
 * - decisions of concurrent requests in this isolate share REST calls ({@link Batcher});
 *   a call runs the script once per caller in it (EVALSHA, pipelined when several
 *   callers; EVAL once after NOSCRIPT), so N requests of one caller in flight cost a few
 *   Redis round trips, not N;
 * - a request the gateway stopped waiting for is not counted: what a call admitted after
 *   the decision's `timeoutMs` is removed again when the reply arrives (ZREM of the
 *   request's member), and past the call's abort backstop (no reply is read any more)
 *   the script admits nothing — it gets that moment in Redis time ({@link RedisClock});
 * - `timeoutMs` counts the store's time, not this isolate's: see {@link storeTimeout};
 *   calls made before the store first answered (or after it failed without an answer)
 *   get `connectTimeoutMs` instead, as a proxy's connect timeout;
 * - no client retries (its default would retry for ~4 s): the policy's `failure` applies.
 */
export function createRedisStore(config: RedisStoreConfig): RateLimitStore & { readonly stats: RedisStoreStats } {
  // The wall-clock bound of a call, however busy the isolate (see storeTimeout).
  const abortAfterMs = Math.max(100 * config.timeoutMs, 10_000)
  const redis = new TracedRedis({
    url: config.url,
    token: config.token,
    retry: { retries: 0, backoff: () => 0 },
    // A backstop for a dead connection only: the batch's own timer answers after
    // `timeoutMs`, and a reply arriving until here is still read, to remove what it admitted.
    signal: () => AbortSignal.timeout(abortAfterMs + 1000),
    enableTelemetry: false,
    // Batching is ours (one call per batch, sent from a member's own request).
    enableAutoPipelining: false,
    readYourWrites: false,
  })
  let sha: Promise<string> | undefined // computed on first use: not at start-up (global scope on Workers)
  // Whether Redis is known to hold the script. Until it is, calls send EVAL (the script
  // itself, which also caches it): one round trip, where EVALSHA → NOSCRIPT → EVAL would
  // spend two within one `timeoutMs` (the first call of every isolate, and every call
  // after Redis restarted) and, under load, fail open for no fault of the store.
  let loaded = false
  const clock = new RedisClock()
  const stats: RedisStoreStats = { calls: 0, decisions: 0, largestBatch: 0, compensated: 0 }
  // Whether this isolate's store has answered since it last failed without an answer.
  // Until then a call gets `connectTimeoutMs`: it may also open the connection and
  // load the script, and under a burst it queues behind the other instances' batches.
  // A timeout alone keeps the store warm: a slow store must meet `timeoutMs`.
  let warm = false
  // A decision in a batch; `abandoned` once the gateway stopped waiting for it.
  type Pending = BatchEntry & { abandoned: boolean }

  /** One REST call: one script run per caller (pipelined when several); an error per group that Redis refused. */
  async function callOnce(groups: Pending[][], byHash: boolean): Promise<{ result?: unknown; error?: string }[]> {
    const hash = byHash ? await (sha ??= digestHex('SHA-1', SLIDING_WINDOW_SCRIPT)) : undefined
    const pipeline = redis.pipeline()
    for (const group of groups) {
      const { keys, args } = batchArgs(group)
      if (hash) pipeline.evalsha(hash, keys, args)
      else pipeline.eval(SLIDING_WINDOW_SCRIPT, keys, args)
    }
    return (await pipeline.exec({ keepErrors: true })) as { result?: unknown; error?: string }[]
  }

  /**
   * The script's replies for a batch's groups. NOSCRIPT (Redis lost its script cache:
   * restarted, flushed) ran nothing, so those groups are sent again with EVAL, and the
   * store, having answered, gets a fresh `timeoutMs` for it (`onResend`).
   */
  async function runGroups(groups: Pending[][], onResend: () => void): Promise<unknown[]> {
    const first = await callOnce(groups, loaded)
    const missing = groups.filter((_, i) => first[i]!.error?.startsWith('NOSCRIPT'))
    let again: { result?: unknown; error?: string }[] = []
    if (missing.length > 0) {
      loaded = false
      onResend()
      again = await callOnce(missing, false)
    }
    return first.map((reply) => {
      const r = reply.error?.startsWith('NOSCRIPT') ? again.shift()! : reply
      if (r.error) throw new RedisReplyError(r.error)
      loaded = true
      return r.result
    })
  }

  /** Reads one call's replies; admissions the gateway no longer waited for are removed again. */
  function settle(groups: Pending[][], raw: unknown[], sentAt: number): Map<Pending, EntryReply> {
    const out = new Map<Pending, EntryReply>()
    const undo: [string, string][] = []
    groups.forEach((group, i) => {
      const { now, replies } = parseBatchReply(raw[i], group)
      clock.sample(now, sentAt)
      group.forEach((entry, j) => {
        const reply = replies[j]!
        out.set(entry, reply)
        if (entry.abandoned && 'allowed' in reply && reply.allowed) {
          stats.compensated += 1
          for (const check of entry.checks) undo.push([check.key, entry.member])
        }
      })
    })
    if (undo.length > 0) {
      const pipeline = redis.pipeline()
      for (const [key, member] of undo) pipeline.zrem(key, member)
      pipeline.exec().catch(() => {}) // best effort: the entry leaves with its window anyway
    }
    return out
  }

  /**
   * One REST call for a batch. Its `timeoutMs` runs from now, when it leaves (time spent
   * queued behind a call in flight is bounded by that call's own timeout). What it
   * admits after the gateway gave up is removed when the reply arrives; past the abort
   * backstop no reply is read, so the script is told not to admit after that.
   */
  async function send(entries: Pending[]): Promise<EntryReply[]> {
    stats.calls += 1
    stats.decisions += entries.length
    stats.largestBatch = Math.max(stats.largestBatch, entries.length)
    const sentAt = Date.now()
    // Redis admits nothing once the call may have been aborted (its reply then unread).
    const deadline = clock.deadline(sentAt + abortAfterMs, abortAfterMs)
    const byCaller = new Map<string, Pending[]>()
    for (const entry of entries) {
      entry.deadline = deadline
      const tag = hashTag(entry.checks[0]!.key)
      const group = byCaller.get(tag)
      if (group) group.push(entry)
      else byCaller.set(tag, [entry])
    }
    const groups = [...byCaller.values()]
    const budgetMs = warm ? config.timeoutMs : config.connectTimeoutMs
    const timeout = storeTimeout(budgetMs, abortAfterMs)
    const answered = runGroups(groups, timeout.restart)
    answered.then(
      () => (warm = true),
      (err: unknown) => {
        // No reply at all (refused, reset, aborted): the next call sets up a connection again.
        if (!(err instanceof RedisReplyError)) warm = false
      },
    )
    const call = answered.then((raw) => settle(groups, raw, sentAt))
    timeout.promise.catch(() => {
      for (const entry of entries) entry.abandoned = true
    })
    call.catch(() => {}) // a failure after the timeout is already answered
    try {
      const out = await Promise.race([call, timeout.promise])
      return entries.map((e) => out.get(e)!)
    } finally {
      timeout.cancel()
    }
  }

  const batcher = new Batcher<Pending, EntryReply>({ send, maxInFlight: MAX_IN_FLIGHT, maxBatch: MAX_BATCH })

  return {
    kind: 'upstash',
    stats,
    async check(checks: LimitCheck[]): Promise<StoreDecision> {
      const entry: Pending = { checks, member: uniqueMember(), deadline: 0, abandoned: false }
      let reply: EntryReply
      // On Workers a request waiting only on a call another request made has no event
      // of its own pending and would be cancelled as hung: this timer is its own.
      const keepAlive = setInterval(() => {}, 1000)
      try {
        reply = await batcher.submit(entry)
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        throw new StoreUnavailableError(`rate-limit store failed: ${reason}`, { cause: err })
      } finally {
        clearInterval(keepAlive)
      }
      if ('expired' in reply) {
        throw new StoreUnavailableError(`rate-limit store failed: reached Redis after its ${config.timeoutMs} ms`)
      }
      return reply
    },
    async reset(keys: string[]): Promise<void> {
      try {
        await redis.pipeline().del(...keys).exec()
      } catch (err) {
        throw new StoreUnavailableError(`rate-limit store failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
    },
  }
}
