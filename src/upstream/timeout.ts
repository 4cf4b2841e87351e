import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { RouteTimeouts, Upstream, UpstreamDecorator } from './types'

export interface TimeoutOptions {
  /** Milliseconds before the call is aborted and answered 504. */
  ms: number
  /**
   * `try`: bounds one attempt (inside retries, so a timed-out attempt can be retried).
   * `deadline`: bounds the whole call, retries and backoff included.
   */
  scope: 'try' | 'deadline'
}

const ROUTE_FIELD: Record<TimeoutOptions['scope'], keyof RouteTimeouts> = { try: 'perTryMs', deadline: 'deadlineMs' }

/**
 * Aborts a call that has no response headers after `ms` (a route's own timeout
 * overrides it) and answers 504 problem+json. The abort reaches the origin: the
 * request handed on carries a signal combining the caller's and the timer's, so a
 * service-binding or HTTP fetch is cancelled, not just ignored. The timer covers the
 * wait for headers; a body then streams without it.
 *
 * Hand-written on AbortController rather than cockatiel's TimeoutPolicy: that one
 * aborts without a reason (a timeout could not be told from a client that left) and
 * by default aborts on return, which would cut the streamed body. Here the timer is
 * cleared once headers arrive and aborts with a `TimeoutError`.
 *
 * @example
 * ```ts
 * const users = withTimeout({ ms: 300, scope: 'try' })(bindingTransport(env.USERS))
 * await users(new Request('http://users.internal/users/1'), ctx) // 504 ProblemError after 300 ms
 * ```
 */
export function withTimeout(options: TimeoutOptions): UpstreamDecorator {
  return (next: Upstream): Upstream =>
    async (req, ctx) => {
      const ms = ctx.timeouts?.[ROUTE_FIELD[options.scope]] ?? options.ms
      const timer = new AbortController()
      const handle = setTimeout(() => timer.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms)
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timer.signal]) : timer.signal
      const deadlineAt = options.scope === 'deadline' ? Date.now() + ms : ctx.deadlineAt
      const call = next(new Request(req, { signal }), { ...ctx, signal, deadlineAt })
      // Whatever arrives after the timeout is dropped, and its body released.
      call.then((res) => (timer.signal.aborted ? res.body?.cancel() : undefined)).catch(() => {})
      try {
        return await Promise.race([call, aborted(signal)])
      } catch (err) {
        if (!timer.signal.aborted || ctx.signal?.aborted) throw err
        const what = options.scope === 'try' ? 'an attempt' : 'the call'
        throw ProblemError.of(
          { ...problems.gatewayTimeout(ctx.service, `The ${ctx.service} service did not answer ${what} within ${ms} ms.`), timeout: options.scope, timeout_ms: ms },
        )
      } finally {
        clearTimeout(handle)
      }
    }
}

/**
 * Rejects with the signal's reason when it fires, so a call that ignores its signal
 * is still cut off. The listener dies with the signal once the call is over.
 */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}
