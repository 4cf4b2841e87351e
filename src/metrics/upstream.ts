import { ProblemError } from '../../wire/problem'
import type { UpstreamDecorator } from '../upstream/types'
import type { Metrics } from './metrics'

/**
 * Records every attempt it sends: service, method, status (or why none came) and the
 * time to response headers. Placed inside the retry layer, next to `withTrace`, it sees
 * each attempt, and retries show as `resendCount > 0` (`CallContext.resendCount`,
 * which the retry layer sets).
 *
 * @example
 * ```ts
 * withRetry(retryOptions)(withMetrics(metrics)(withTimeout({ ms: 300, scope: 'try' })(pool)))
 * ```
 */
export function withMetrics(metrics: Metrics): UpstreamDecorator {
  return (next) => async (req, ctx) => {
    const resendCount = ctx.resendCount ?? 0
    const started = performance.now()
    try {
      const res = await next(req, ctx)
      metrics.upstream({ service: ctx.service, method: req.method, durationMs: performance.now() - started, resendCount, status: res.status })
      return res
    } catch (err) {
      metrics.upstream({ service: ctx.service, method: req.method, durationMs: performance.now() - started, resendCount, error: errorType(err, ctx.signal) })
      throw err
    }
  }
}

/** A low-cardinality name for why an attempt got no response. */
function errorType(err: unknown, signal: AbortSignal | undefined): string {
  if (err instanceof ProblemError) return err.problem.status === 504 ? 'timeout' : String(err.problem.status)
  if (signal?.aborted) return 'canceled'
  return 'connection'
}
