import { Redis } from '@upstash/redis/cloudflare'
import { SpanKind } from '@opentelemetry/api'
import { injectTraceHeaders } from '../tracing/client'
import type { RedisStoreConfig } from './config'
import { parseScriptReply, scriptArgs, SLIDING_WINDOW_SCRIPT } from './script'
import { StoreUnavailableError, type LimitCheck, type RateLimitStore, type StoreDecision } from './store'

/** A member unique to one request in a partition's sorted set (never client-chosen). */
function uniqueMember(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

/** Rejects after `ms`, so a decision never waits longer than the configured timeout. */
function deadline(ms: number): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return { promise, cancel: () => timer !== undefined && clearTimeout(timer) }
}

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

/**
 * The limiter's store on Redis through the Upstash REST API (@upstash/redis): one
 * EVALSHA per decision (EVAL once after NOSCRIPT), a per-call abort signal and an
 * overall deadline of `timeoutMs`, and no client retries (its default would retry a
 * failed call for ~4 s; a limiter must answer now, and the policy's `failure` says how).
 */
export function createRedisStore(config: RedisStoreConfig): RateLimitStore {
  const redis = new TracedRedis({
    url: config.url,
    token: config.token,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(config.timeoutMs),
    enableTelemetry: false,
    // One request per decision: batching decisions of several requests would make one
    // request's I/O wait on another's (and Workers ties I/O to its request).
    enableAutoPipelining: false,
    readYourWrites: false,
  })
  const script = redis.createScript<unknown>(SLIDING_WINDOW_SCRIPT)

  return {
    kind: 'upstash',
    async check(checks: LimitCheck[]): Promise<StoreDecision> {
      const keys = checks.map((c) => c.key)
      const args = scriptArgs(checks, uniqueMember()).map(String)
      const limit = deadline(config.timeoutMs)
      const call = script.exec(keys, args)
      call.catch(() => {}) // a late failure after the deadline is already handled
      try {
        return parseScriptReply(await Promise.race([call, limit.promise]), checks.length)
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        throw new StoreUnavailableError(`rate-limit store failed: ${reason}`, { cause: err })
      } finally {
        limit.cancel()
      }
    },
  }
}
