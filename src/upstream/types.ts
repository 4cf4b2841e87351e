import type { Context as TraceContext } from '@opentelemetry/api'

/**
 * The one shape every upstream has, after KrakenD's Lura `Proxy`: a function from a
 * request to a response. Timeouts, retries, breakers, balancing, tracing and
 * aggregation are all decorators that take an Upstream and return one.
 */
export type Upstream = (req: Request, ctx: CallContext) => Promise<Response>

/** Per-route overrides of a service's timeouts (from the route table). */
export interface RouteTimeouts {
  /** Longest wait for one attempt's response headers. */
  perTryMs?: number
  /** Longest wait for the whole call, retries and backoff included. */
  deadlineMs?: number
}

/** What a decorator may know about the call it wraps. */
export interface CallContext {
  /** Registry name of the service being called (`users`, …). */
  service: string
  /** Route template that led here, for logs and spans (`/api/v2/users/:id`). */
  route: string
  requestId: string
  /**
   * The request's trace context (`c.get('trace')`): client spans are its children, and
   * lines the layers log for this call carry its trace and span id.
   */
  trace?: TraceContext
  /**
   * The verified caller's subject, if any. Decorators that share work between calls
   * (coalescing) never share it across callers.
   */
  caller?: string
  /** Parameters of the gateway route that led here (`{ id: '7' }`), for upstreams that template calls. */
  params?: Record<string, string>
  /**
   * Aborts the call when the client goes away or a deadline passes. The call's signal
   * lives here, not on the Request (decorators do not copy the Request to change it):
   * the transports hand it to the fetch they make.
   */
  signal?: AbortSignal
  /**
   * The controller of the Request's own signal, when whoever built the Request made one
   * for this call (`forward` does): the first attempt's timeout aborts through it, so
   * a service binding is handed that Request as it is, not a copy of it (every header)
   * carrying the attempt's signal. Later attempts get signals of their own: the retry
   * layer leaves it out of theirs.
   */
  requestAbort?: AbortController
  /**
   * How many times this call was sent before this attempt: set by the retry layer for
   * the attempts after the first (absent, 0, on a first one). Spans and metrics of the
   * layers below it report it.
   */
  resendCount?: number
  /** Keeps work alive after the response (Workers' `ctx.waitUntil`). */
  waitUntil: (promise: Promise<unknown>) => void
  /** The route's own timeouts; they override the service's. */
  timeouts?: RouteTimeouts
  /**
   * The answer is a stream (SSE, WebSocket): it is never read into memory, shared with
   * another call (coalescing) or sent again once its headers arrived.
   */
  stream?: boolean
  /** The overall deadline's timer, for the layers below it (set by the overall deadline): `at` is when the whole call must be done. */
  deadline?: DeadlineTimer
  /**
   * The Idempotency-Key the gateway holds for this call (its route declares idempotency
   * and the key is locked in the store): only then may a POST or PATCH be sent again.
   */
  idempotencyKey?: string
}

/**
 * The overall deadline's timer is armed only when a wait is not bounded otherwise: the
 * per-try timeout bounds an attempt by whichever of its own timeout and the deadline
 * comes first (and arms this one when the deadline does); a layer that waits between
 * attempts (retry backoff) arms it first. So a call that needs one attempt runs one
 * timer, not two.
 */
export interface DeadlineTimer {
  /** Epoch ms by which the whole call must be done. */
  readonly at: number
  /** Starts the deadline's timer, if not running yet. */
  arm(): void
  /** Said by a layer below that bounds the attempt it is sending before `at`: no need to arm yet. */
  cover(): void
}

/** A decorator: the unit every resilience and telemetry feature is built from. */
export type UpstreamDecorator = (next: Upstream) => Upstream
