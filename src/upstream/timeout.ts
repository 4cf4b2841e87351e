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
 * overrides it) and answers 504 problem+json. The abort reaches the origin: the call
 * below gets a signal (`ctx.signal`) that follows the caller's and fires on the timer,
 * and the transport hands it to the service-binding or HTTP fetch, which is cancelled,
 * not just ignored. The timer covers the wait for headers; a body then streams without
 * it (still under the caller's signal).
 *
 * The signal travels in the call context rather than in a copy of the Request: a copy
 * per layer (and `AbortSignal.any` per layer) was most of this decorator's cost, and
 * the request below is the same either way.
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
      const abort = new Abort(ctx.signal)
      let timedOut = false
      const handle = setTimeout(() => {
        timedOut = true
        abort.fire(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'))
      }, ms)
      const deadlineAt = options.scope === 'deadline' ? Date.now() + ms : ctx.deadlineAt
      const call = next(req, { ...ctx, signal: abort.signal, deadlineAt })
      // Whatever arrives after the timeout is dropped, and its body released.
      call.then((res) => (timedOut ? res.body?.cancel() : undefined)).catch(() => {})
      try {
        return await Promise.race([call, abort.cutoff])
      } catch (err) {
        if (!timedOut || ctx.signal?.aborted) throw err
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
 * One call's abort: a signal that fires, with the same reason, when `parent` does or
 * on `fire` (what `AbortSignal.any([parent, own])` gives, for one listener instead of
 * a new signal with weak references to its sources), and `cutoff`, which rejects with
 * that reason, so a call that ignores its signal is still cut off. The signal keeps
 * following the parent after the headers arrived: a caller that leaves still cancels
 * the streamed body.
 */
class Abort {
  private readonly controller = new AbortController()
  readonly signal = this.controller.signal
  private reject!: (reason: unknown) => void
  readonly cutoff = new Promise<never>((_, reject) => (this.reject = reject))

  constructor(parent: AbortSignal | undefined) {
    // Never awaited when the call answers first; its rejection is handled by the race.
    this.cutoff.catch(() => {})
    if (!parent) return
    if (parent.aborted) this.fire(parent.reason)
    else parent.addEventListener('abort', () => this.fire(parent.reason), { once: true })
  }

  /** Aborts with `reason` unless already aborted (the first reason stays). */
  fire(reason: unknown): void {
    if (this.signal.aborted) return
    this.controller.abort(reason)
    this.reject(reason)
  }
}
