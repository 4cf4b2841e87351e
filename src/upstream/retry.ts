import { ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import { ProblemError } from '../../wire/problem'
import { readAll } from '../proxy/body'
import { retryAfterMs } from '../../wire/retry-after'
import { callLogFields } from './call-log'
import type { RetryBudget } from './retry-budget'
import { sleep } from './signals'
import type { CallContext, Upstream, UpstreamDecorator } from './types'

export interface RetryOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** A `Retry-After` longer than this is not waited for: the origin's answer is returned. */
  maxRetryAfterMs: number
  /** Shared by every call to one service. */
  budget: RetryBudget
  logger?: Logger
  metrics?: Metrics
}

/** Safe to send twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
/** Statuses that say "this attempt did not happen or did not finish", worth another try. */
const RETRYABLE_STATUS = new Set([502, 503, 504])

/**
 * Whether a request may be sent again: idempotent methods, and a POST or PATCH whose
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) the gateway holds —
 * its route declares idempotency and middleware/idempotency.ts locked the key
 * (`ctx.idempotencyKey`), so no second client request runs beside it, and the origin
 * deduplicates an attempt that landed. A key header alone is not enough.
 */
export function isRetryable(req: Request, ctx?: Pick<CallContext, 'idempotencyKey'>): boolean {
  if (IDEMPOTENT.has(req.method)) return true
  return (req.method === 'POST' || req.method === 'PATCH') && ctx?.idempotencyKey !== undefined && req.headers.has('idempotency-key')
}

/**
 * Retries a failed attempt: only retryable requests (see `isRetryable`), only after a
 * connection error, a per-try timeout (504 ProblemError) or a 502/503/504 answer.
 * Waits exponential backoff with full jitter (cockatiel's generator), or the origin's
 * `Retry-After` when longer; gives up, returning the last answer, when the budget is
 * spent, the wait would pass the call's deadline, or `Retry-After` exceeds
 * `maxRetryAfterMs`. A request body is buffered once (already capped by the body
 * limit) so every attempt can send it.
 *
 * The loop is written here rather than with cockatiel's RetryPolicy, which cannot ask a
 * budget at retry time, give up on a long `Retry-After`, or cut its backoff sleep short
 * when the deadline passes.
 *
 * @example
 * ```ts
 * const budget = new RetryBudget({ ratio: 0.2, minRetries: 3, windowMs: 10_000 })
 * const users = withRetry({ maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1000, maxRetryAfterMs: 2000, budget })(
 *   withTimeout({ ms: 300, scope: 'try' })(transport),
 * )
 * ```
 */
export function withRetry(options: RetryOptions): UpstreamDecorator {
  const backoff = new ExponentialBackoff({
    generator: fullJitterGenerator,
    initialDelay: options.baseDelayMs,
    maxDelay: options.maxDelayMs,
  })
  return (next: Upstream): Upstream =>
    async (req, ctx) => {
      options.budget.recordRequest()
      if (options.maxAttempts <= 1 || !isRetryable(req, ctx)) return next(req, ctx)
      const body = req.body === null ? null : await readAll(req)
      // The backoff sequence starts at the first retry: most calls never need it.
      let delays: IBackoff<unknown> | undefined
      for (let attempt = 1; ; attempt++) {
        // A resend has its own signal (the Request's own went with the first attempt) and says which it is.
        const attemptCtx = attempt === 1 ? ctx : { ...ctx, requestAbort: undefined, resendCount: attempt - 1 }
        const outcome = await settle(next(body === null ? req : new Request(req, { body }), attemptCtx))
        const reason = retryReason(outcome, ctx.signal)
        if (!reason || attempt >= options.maxAttempts) return unwrap(outcome)

        delays = (delays ?? backoff.next()).next(undefined)
        let delay = delays.duration
        const retryAfter = 'res' in outcome ? retryAfterMs(outcome.res.headers.get('retry-after')) : undefined
        if (retryAfter !== undefined) {
          if (retryAfter > options.maxRetryAfterMs) return unwrap(outcome)
          delay = Math.max(delay, retryAfter)
        }
        if (ctx.deadline && Date.now() + delay >= ctx.deadline.at) return unwrap(outcome)
        if (!options.budget.tryRetry()) {
          options.metrics?.retry(ctx.service, 'budget-exhausted', reason)
          options.logger?.log('warn', 'retry budget exhausted', { ...callLogFields(ctx), service: ctx.service, reason })
          return unwrap(outcome)
        }
        // Waiting from here on: no attempt bounds it, the deadline's timer must run.
        ctx.deadline?.arm()
        if ('res' in outcome) await outcome.res.body?.cancel()
        options.metrics?.retry(ctx.service, 'retried', reason)
        options.logger?.log('info', 'upstream retry', {
          ...callLogFields(ctx),
          service: ctx.service,
          attempt: attempt + 1,
          reason,
          delay_ms: delay,
        })
        await sleep(delay, ctx.signal)
      }
    }
}

type Outcome = { res: Response } | { err: unknown }

function settle(call: Promise<Response>): Promise<Outcome> {
  return call.then(
    (res) => ({ res }),
    (err: unknown) => ({ err }),
  )
}

function unwrap(outcome: Outcome): Response {
  if ('res' in outcome) return outcome.res
  throw outcome.err
}

/** Why this outcome deserves another attempt, or null. */
function retryReason(outcome: Outcome, signal: AbortSignal | undefined): string | null {
  if ('res' in outcome) return RETRYABLE_STATUS.has(outcome.res.status) ? `status ${outcome.res.status}` : null
  // The client left or the whole call's deadline passed: nothing to retry for.
  if (signal?.aborted) return null
  if (outcome.err instanceof ProblemError) return outcome.err.problem.status === 504 ? 'timeout' : null
  return 'connection error'
}

