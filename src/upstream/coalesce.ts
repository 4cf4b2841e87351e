import type { CallContext, Upstream, UpstreamDecorator } from './types'

/**
 * Request coalescing (singleflight): identical GETs that are in flight at the same time
 * in this isolate share one origin call. "Identical" means same service, path, query,
 * caller and the request headers that can change the answer (credentials, content
 * negotiation); two callers never share a call, whatever else matches.
 *
 * Each waiter gets its own copy of the response (`Response.clone()` tees the body).
 * A waiter that is aborted leaves alone; the shared call is aborted only when every
 * waiter has left, so one caller's short timeout never cuts off another's answer.
 *
 * Hand-written: singleflight is a few lines over a Map, and none of the resilience
 * libraries here (cockatiel) offers it for Responses with per-waiter abort.
 *
 * @example
 * ```ts
 * const users = withCoalescing()(bindingTransport(env.USERS))
 * ```
 */
export function withCoalescing(options: CoalesceOptions = {}): UpstreamDecorator {
  const keyOf = options.key ?? coalesceKey
  const inflight = new Map<string, Flight>()
  return (next) => (req, ctx) => {
    const key = keyOf(req, ctx)
    if (key === undefined) return next(req, ctx)
    let flight = inflight.get(key)
    if (!flight) {
      const started: Flight = new Flight(next, req, ctx, () => {
        // Only its own entry: an abandoned flight may already have a successor.
        if (inflight.get(key) === started) inflight.delete(key)
      })
      inflight.set(key, started)
      flight = started
    }
    return flight.join([req.signal, ctx.signal])
  }
}

export interface CoalesceOptions {
  /** Which calls may share: `undefined` never shares. Defaults to {@link coalesceKey}. */
  key?: (req: Request, ctx: CallContext) => string | undefined
}

/** Request headers that can change an origin's answer for the same URL. */
const KEY_HEADERS = ['authorization', 'cookie', 'accept', 'accept-language', 'prefer'] as const

/** GETs without a body share when service, URL, caller and {@link KEY_HEADERS} are equal. */
export function coalesceKey(req: Request, ctx: CallContext): string | undefined {
  if (req.method !== 'GET' || req.body !== null) return undefined
  const url = new URL(req.url)
  const headers = KEY_HEADERS.map((name) => req.headers.get(name))
  return JSON.stringify([ctx.service, url.pathname, url.search, ctx.caller ?? null, ...headers])
}

interface Waiter {
  resolve: (res: Response) => void
  reject: (reason: unknown) => void
  detach: () => void
}

/** One origin call and everyone waiting for it. */
class Flight {
  private readonly waiters = new Set<Waiter>()
  private readonly controller = new AbortController()
  private settled = false

  /** `done` unlists the flight: once settled, or once abandoned by every waiter. */
  constructor(
    next: Upstream,
    req: Request,
    ctx: CallContext,
    private readonly done: () => void,
  ) {
    const signal = this.controller.signal
    Promise.resolve()
      .then(() => next(new Request(req, { signal }), { ...ctx, signal }))
      .then(
        (res) => this.settle((waiters) => deliver(waiters, res)),
        (err: unknown) => this.settle((waiters) => waiters.forEach((w) => w.reject(err))),
      )
  }

  join(signals: (AbortSignal | undefined)[]): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const listening = signals.filter((s): s is AbortSignal => s !== undefined)
      const waiter: Waiter = {
        resolve,
        reject,
        detach: () => listening.forEach((s) => s.removeEventListener('abort', onAbort)),
      }
      const aborted = listening.find((s) => s.aborted)
      function onAbort(this: AbortSignal) {
        leave(this.reason)
      }
      const leave = (reason: unknown) => this.leave(waiter, reason)
      this.waiters.add(waiter)
      if (aborted) return leave(aborted.reason)
      listening.forEach((s) => s.addEventListener('abort', onAbort, { once: true }))
    })
  }

  private leave(waiter: Waiter, reason: unknown): void {
    if (!this.waiters.delete(waiter)) return
    waiter.detach()
    waiter.reject(reason)
    if (this.waiters.size === 0 && !this.settled) {
      this.done()
      this.controller.abort(reason)
    }
  }

  private settle(hand: (waiters: Waiter[]) => void): void {
    this.settled = true
    this.done()
    const waiters = [...this.waiters]
    this.waiters.clear()
    waiters.forEach((w) => w.detach())
    hand(waiters)
  }
}

/** Every waiter gets its own body; all copies are made before anyone can read one. */
function deliver(waiters: Waiter[], res: Response): void {
  if (waiters.length === 0) {
    void res.body?.cancel().catch(() => {})
    return
  }
  const copies = waiters.slice(1).map(() => res.clone())
  waiters[0]!.resolve(res)
  waiters.slice(1).forEach((w, i) => w.resolve(copies[i]!))
}
