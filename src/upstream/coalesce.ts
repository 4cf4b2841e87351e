import { pathAndQuery } from '../proxy/path'
import type { CallContext, Upstream, UpstreamDecorator } from './types'

/**
 * Request coalescing (singleflight): identical GETs that are in flight at the same time
 * in this isolate share one origin call. "Identical" means same service, path, query,
 * caller and the request headers that can change the answer (credentials, content
 * negotiation); two callers never share a call, whatever else matches.
 *
 * When others wait as the answer arrives, it is read once into memory and every waiter
 * builds its own Response from those bytes: on Workers a body stream belongs to the
 * request whose call opened it, and reading it from another request's handler fails
 * ("Cannot perform I/O on behalf of a different request"), so streams are never handed
 * across. When the caller that started the call is the only one waiting, it gets the
 * origin's Response as it is, streamed, and the flight ends there (a later identical
 * request starts its own): most calls are never shared, and need no copy of their body.
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
    const follower = flight !== undefined
    if (!flight) {
      const started: Flight = new Flight(next, req, ctx, () => {
        // Only its own entry: an abandoned flight may already have a successor.
        if (inflight.get(key) === started) inflight.delete(key)
      })
      inflight.set(key, started)
      flight = started
    }
    // The call's signal, as the transports take it: the context's, else the Request's own.
    const shared = flight.join(ctx.signal ?? req.signal)
    return follower ? handOver(shared as Promise<Snapshot>) : shared.then(toResponse)
  }
}

/**
 * A follower takes the shared answer only from a timer of its own request. On Workers
 * the code after a promise runs in the context of the request that settled it, so a
 * Response built there would belong to the leader's request; and a follower with no
 * I/O of its own pending would be cancelled as hung. Its own interval fixes both.
 */
function handOver(shared: Promise<Snapshot>): Promise<Response> {
  let outcome: { shot: Snapshot } | { error: unknown } | undefined
  shared.then(
    (shot) => (outcome = { shot }),
    (error: unknown) => (outcome = { error }),
  )
  return new Promise<Response>((resolve, reject) => {
    const tick = setInterval(() => {
      if (!outcome) return
      clearInterval(tick)
      if ('shot' in outcome) resolve(toResponse(outcome.shot))
      else reject(outcome.error)
    }, 2)
  })
}

export interface CoalesceOptions {
  /** Which calls may share: `undefined` never shares. Defaults to {@link coalesceKey}. */
  key?: (req: Request, ctx: CallContext) => string | undefined
}

/** Request headers that can change an origin's answer for the same URL. */
const KEY_HEADERS = ['authorization', 'cookie', 'accept', 'accept-language', 'prefer'] as const

/** Headers that make an answer partial or conditional (206, 304): never shared. */
const PRIVATE_ANSWER_HEADERS = ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since']

/** GETs without a body share when service, URL, caller and {@link KEY_HEADERS} are equal; streams never. */
export function coalesceKey(req: Request, ctx: CallContext): string | undefined {
  if (req.method !== 'GET' || req.body !== null) return undefined
  // A stream would be read whole before anyone got a byte, and a socket cannot be shared.
  if (ctx.stream || req.headers.has('upgrade') || (req.headers.get('accept') ?? '').includes('text/event-stream')) return undefined
  if (PRIVATE_ANSWER_HEADERS.some((name) => req.headers.has(name))) return undefined
  const headers = KEY_HEADERS.map((name) => req.headers.get(name))
  return JSON.stringify([ctx.service, pathAndQuery(req.url), ctx.caller ?? null, ...headers])
}

/** A response as plain data, safe to hand from one request's handler to another's. */
interface Snapshot {
  status: number
  statusText: string
  headers: [string, string][]
  body: ArrayBuffer | null
}

async function snapshot(res: Response): Promise<Snapshot> {
  const body = res.body === null ? null : await res.arrayBuffer()
  return { status: res.status, statusText: res.statusText, headers: [...res.headers], body }
}

/** The leader's answer: the origin's own Response when nobody shared it, else a copy. */
const toResponse = (shot: Snapshot | Response): Response =>
  shot instanceof Response
    ? shot
    : new Response(shot.body === null ? null : shot.body.slice(0), {
        status: shot.status,
        statusText: shot.statusText,
        headers: shot.headers,
      })

interface Waiter {
  resolve: (res: Snapshot | Response) => void
  reject: (reason: unknown) => void
  detach: () => void
}

/** One origin call and everyone waiting for it. */
class Flight {
  private readonly waiters = new Set<Waiter>()
  private readonly controller = new AbortController()
  private settled = false
  /** The caller that started the call: the only one its Response may be handed to. */
  private leader: Waiter | undefined
  /** The leader, once handed the origin's Response: its aborts now cancel the streamed body. */
  private streamer: Waiter | undefined

  /** `done` unlists the flight: once settled, or once abandoned by every waiter. */
  constructor(
    next: Upstream,
    req: Request,
    ctx: CallContext,
    private readonly done: () => void,
  ) {
    const signal = this.controller.signal
    Promise.resolve()
      .then(() => next(req, { ...ctx, signal }))
      .then((res) => this.arrive(res))
      .then(
        (shot) => shot && this.settle((waiters) => waiters.forEach((w) => w.resolve(shot))),
        (err: unknown) => this.settle((waiters) => waiters.forEach((w) => w.reject(err))),
      )
  }

  /**
   * When its leader alone waits, hands it the origin's Response at once (settled in the
   * same turn, so no follower can join in between) and keeps the streamed body under
   * the leader's abort: the leader keeps the listeners it joined with, which from then
   * on abort the call (see `leave`). Else a snapshot, read while the waiters can still leave.
   */
  private arrive(res: Response): Promise<Snapshot> | undefined {
    const [only] = this.waiters
    if (!only || this.waiters.size !== 1 || only !== this.leader) return snapshot(res)
    this.streamer = only
    this.settle(() => only.resolve(res))
    return undefined
  }

  join(signal: AbortSignal): Promise<Snapshot | Response> {
    return new Promise<Snapshot | Response>((resolve, reject) => {
      const onAbort = () => this.leave(waiter, signal.reason)
      const waiter: Waiter = { resolve, reject, detach: () => signal.removeEventListener('abort', onAbort) }
      this.leader ??= waiter
      this.waiters.add(waiter)
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private leave(waiter: Waiter, reason: unknown): void {
    if (waiter === this.streamer) return this.controller.abort(reason)
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
    for (const w of waiters) if (w !== this.streamer) w.detach()
    hand(waiters)
  }
}
