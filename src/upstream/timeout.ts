import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { CallContext, DeadlineTimer, RouteTimeouts, Upstream, UpstreamDecorator } from './types'

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
 * the request below is the same either way. A call runs one timer per attempt, not
 * one per layer: the per-try timeout bounds an attempt by whichever of its own
 * timeout and the deadline comes first, and the deadline's own timer starts only when
 * nothing below bounds the wait (see {@link DeadlineTimer}); the answer is the same as
 * with both timers running.
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
  const field = ROUTE_FIELD[options.scope]
  return (next: Upstream): Upstream =>
    async (req, ctx) => {
      const ms = ctx.timeouts?.[field] ?? options.ms
      const timer = new Timer(ms, ctx.signal, ctx.deadline, options.scope === 'try' ? firstAttempt(ctx) : undefined)
      let call: Promise<Response>
      if (options.scope === 'deadline') {
        call = next(req, { ...ctx, signal: timer.signal, deadline: timer })
        // Nothing below bounds the wait (no per-try timeout, or a body is read first): the deadline's own timer does.
        if (!timer.covered) timer.arm()
      } else {
        // One timer per attempt: the deadline's when it comes first (its answer, as if both ran), else this one's.
        const { deadline } = ctx
        if (deadline && deadline.at - Date.now() <= ms) deadline.arm()
        else {
          timer.start(ms)
          deadline?.cover()
        }
        call = next(req, { ...ctx, signal: timer.signal })
      }
      try {
        return await timer.race(call)
      } catch (err) {
        if (!timer.timedOut) throw err
        // Whatever arrives after the timeout is dropped, and its body released.
        call.then((res) => res.body?.cancel(), () => {})
        if (ctx.signal?.aborted) throw err
        const what = options.scope === 'try' ? 'an attempt' : 'the call'
        throw ProblemError.of(
          { ...problems.gatewayTimeout(ctx.service, `The ${ctx.service} service did not answer ${what} within ${ms} ms.`), timeout: options.scope, timeout_ms: ms },
        )
      } finally {
        timer.clear()
      }
    }
}

/** The Request's own abort (`CallContext.requestAbort`: first attempts only), unless it already fired. */
function firstAttempt(ctx: CallContext): AbortController | undefined {
  const own = ctx.requestAbort
  return own && !own.signal.aborted ? own : undefined
}

/**
 * One call's abort and its timer: a signal that fires, with the same reason, when
 * `parent` does or when the timer runs out (what `AbortSignal.any([parent, own])`
 * gives, for one listener instead of a new signal with weak references to its
 * sources), and `race`, which rejects with that reason, so a call that ignores its
 * signal is still cut off. The signal keeps following the parent after the headers
 * arrived: a caller that leaves still cancels the streamed body. As the overall
 * deadline it is the call's {@link DeadlineTimer}; a per-try timer below it follows it
 * from its list of followers rather than through an `abort` listener (a listener
 * costs workerd several µs).
 */
class Timer implements DeadlineTimer {
  private readonly controller: AbortController
  readonly signal: AbortSignal
  private resolve!: (res: Response) => void
  private reject!: (reason: unknown) => void
  /** The call's answer, or the abort's reason if that comes first (what `Promise.race` would give, for one promise). */
  private readonly outcome = new Promise<Response>((resolve, reject) => {
    this.resolve = resolve
    this.reject = reject
  })
  /** Epoch ms at which it runs out. */
  readonly at: number
  /** Whether the timer ran out (rather than the parent aborting). */
  timedOut = false
  /** Whether a per-try timeout below bounds the attempt in flight. */
  covered = false
  private handle: ReturnType<typeof setTimeout> | undefined
  /** Timers that fire when this one does, in the order they began following it. */
  private followers: Timer[] | undefined

  constructor(
    private readonly ms: number,
    parent: AbortSignal | undefined,
    /** The deadline above, when there is one: followed directly if `parent` is its signal. */
    deadline?: DeadlineTimer,
    /** Aborts through this controller (the Request's own) instead of one of its own. */
    controller?: AbortController,
  ) {
    this.controller = controller ?? new AbortController()
    this.signal = this.controller.signal
    this.at = Date.now() + ms
    // Rejected and never awaited only if the layer below threw instead of answering a promise.
    this.outcome.catch(() => {})
    if (!parent) return
    if (parent.aborted) this.fire(parent.reason)
    else if (deadline instanceof Timer && deadline.signal === parent) (deadline.followers ??= []).push(this)
    else parent.addEventListener('abort', () => this.fire(parent.reason), { once: true })
  }

  /** `call`'s answer, unless this aborts first: then the abort's reason, so a call that ignores its signal is cut off too. */
  race(call: Promise<Response>): Promise<Response> {
    call.then(this.resolve, this.reject)
    return this.outcome
  }

  /** Runs out at {@link at}. */
  arm(): void {
    this.start(this.at - Date.now())
  }

  /** Runs out after `delay` ms, unless already started. */
  start(delay: number): void {
    if (this.handle !== undefined) return
    this.handle = setTimeout(() => {
      this.timedOut = true
      this.fire(new DOMException(`timed out after ${this.ms} ms`, 'TimeoutError'))
    }, delay)
  }

  cover(): void {
    this.covered = true
  }

  clear(): void {
    if (this.handle !== undefined) clearTimeout(this.handle)
  }

  /** Aborts with `reason` unless already aborted (the first reason stays); so do its followers. */
  private fire(reason: unknown): void {
    if (this.signal.aborted) return
    this.controller.abort(reason)
    // Where an `abort` listener of theirs would have run: before this one's outcome rejects.
    if (this.followers) for (const follower of this.followers) follower.fire(reason)
    this.reject(reason)
  }
}
