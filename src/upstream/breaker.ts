import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  noJitterGenerator,
  type IBackoff,
  type IBackoffFactory,
  type IBreaker,
} from 'cockatiel'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import { ProblemError, problemType } from '../../wire/problem'
import { recordDecision } from '../tracing/decisions'
import { callLogFields } from './call-log'
import { clientGone } from './signals'
import type { CallContext, Upstream, UpstreamDecorator } from './types'

export interface BreakerOptions {
  /** Service name, for logs and status. */
  service: string
  consecutiveFailures: number
  failureRatio: number
  windowSize: number
  minimumCalls: number
  openMs: number
  maxOpenMs: number
  halfOpenProbes: number
  logger?: Logger
  metrics?: Metrics
}

export type BreakerState = 'closed' | 'open' | 'half-open'

export interface BreakerStatus {
  state: BreakerState
  /** While open: when it opened, for how long, and how long is left. */
  opened_at?: string
  open_for_ms?: number
  retry_after_ms?: number
}

/** A breaker decorator that also reports its state (for `/health/ready`). */
export interface BreakerDecorator extends UpstreamDecorator {
  status(): BreakerStatus
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
}

/**
 * A circuit breaker per upstream, on cockatiel's CircuitBreakerPolicy. Closed → open
 * after `consecutiveFailures` failed calls in a row, or when more than `failureRatio`
 * of the last `windowSize` calls failed once `minimumCalls` are in (cockatiel's
 * ConsecutiveBreaker and CountBreaker, either one trips it). Open → every call is
 * answered 503 problem+json with `Retry-After` at once, the origin is not called.
 * After `openMs` the breaker is half-open: `halfOpenProbes` calls go through and the
 * rest still get 503 (cockatiel would queue them behind the probes instead); all probes
 * succeeding closes it, a failure re-opens it for twice as long, up to `maxOpenMs`.
 *
 * A failure is a thrown error (connection error, timeout) or a 5xx answer; 4xx answers
 * (or 4xx problems thrown below) and calls the client abandoned are not. Every state change is logged. State lives in
 * this closure, so it is per isolate, like Envoy's and Kong's per node.
 *
 * @example
 * ```ts
 * const breaker = withBreaker({ service: 'users', consecutiveFailures: 5, failureRatio: 0.5,
 *   windowSize: 20, minimumCalls: 10, openMs: 5000, maxOpenMs: 60_000, halfOpenProbes: 1 })
 * const users = breaker(transport)
 * breaker.status() // { state: 'closed' }
 * ```
 */
export function withBreaker(options: BreakerOptions): BreakerDecorator {
  let openedAt = 0
  let openForMs = 0
  let probesAdmitted = 0
  const changes: { from: BreakerState; to: BreakerState }[] = []
  let current: BreakerState = 'closed'

  const policy = circuitBreaker(
    handleWhen(isFailure).orWhenResult((res) => res instanceof Response && res.status >= 500),
    {
      breaker: new AnyBreaker([
        new ConsecutiveBreaker(options.consecutiveFailures),
        new CountBreaker({ threshold: options.failureRatio, size: options.windowSize, minimumNumberOfCalls: options.minimumCalls }),
      ]),
      halfOpenAfter: recordingDurations(
        new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: options.openMs, maxDelay: options.maxOpenMs }),
        (ms) => (openForMs = ms),
      ),
      halfOpenSampling: { calls: options.halfOpenProbes, threshold: 0 },
    },
  )
  policy.onBreak(() => (openedAt = Date.now()))
  policy.onStateChange((state) => {
    if (state === CircuitState.HalfOpen) probesAdmitted = 0
    const to = STATE_NAMES[state]
    changes.push({ from: current, to })
    current = to
  })

  const remainingMs = () => Math.max(0, openedAt + openForMs - Date.now())
  const status = (): BreakerStatus => {
    if (policy.state !== CircuitState.Open) return { state: STATE_NAMES[policy.state] }
    const left = remainingMs()
    // Open past its period: the next call is a probe. Report it so, or readiness would
    // stay failed on a node that gets no traffic until it is ready.
    if (left === 0) return { state: 'half-open' }
    return { state: 'open', opened_at: new Date(openedAt).toISOString(), open_for_ms: openForMs, retry_after_ms: left }
  }

  /** Logs the changes seen since the last call, with the request that saw them (its id, trace and span). */
  const logChanges = (ctx: CallContext) => {
    if (changes.length === 0) return
    for (const { from, to } of changes.splice(0)) {
      recordDecision(ctx.trace, 'breaker', { service: options.service, from, to })
      options.metrics?.breaker(options.service, from, to)
      options.logger?.log(to === 'open' ? 'warn' : 'info', 'circuit breaker state change', {
        ...callLogFields(ctx),
        service: options.service,
        from,
        to,
        ...(to === 'open' ? { open_for_ms: openForMs } : {}),
      })
    }
  }

  const decorator = (next: Upstream): Upstream =>
    async (req, ctx) => {
      if (policy.state === CircuitState.HalfOpen && probesAdmitted >= options.halfOpenProbes) {
        recordDecision(ctx.trace, 'breaker', { service: options.service, state: 'half-open', allowed: false })
        throw circuitOpen(ctx.service, 1000)
      }
      try {
        return await policy.execute(async () => {
          if (policy.state === CircuitState.HalfOpen) probesAdmitted++
          try {
            return await next(req, ctx)
          } catch (err) {
            throw clientGone(ctx.signal) ? new ClientLeft(err) : err
          }
        })
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          recordDecision(ctx.trace, 'breaker', { service: options.service, state: 'open', allowed: false })
          throw circuitOpen(ctx.service, remainingMs())
        }
        if (err instanceof ClientLeft) throw err.cause
        throw err
      } finally {
        logChanges(ctx)
      }
    }
  return Object.assign(decorator, { status })
}

/** 503 problem+json for a call refused by an open breaker. */
function circuitOpen(service: string, remainingMs: number): ProblemError {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000))
  return ProblemError.of(
    {
      type: problemType('circuit-open'),
      title: 'Service Unavailable',
      status: 503,
      detail: `The ${service} service is failing; calls to it are suspended for ${seconds} s.`,
      service,
      retry_after: seconds,
    },
    { 'Retry-After': String(seconds) },
  )
}

/** Thrown errors that count against the origin: not the client's own (4xx problems, leaving). */
function isFailure(err: unknown): boolean {
  if (err instanceof ClientLeft) return false
  return !(err instanceof ProblemError && err.problem.status < 500)
}

/** A call the client abandoned: neither a success nor a failure of the origin. */
class ClientLeft extends Error {
  constructor(override readonly cause: unknown) {
    super('client went away')
  }
}

/** Trips when any of its breakers would (every one sees every outcome). */
class AnyBreaker implements IBreaker {
  constructor(private readonly breakers: IBreaker[]) {}

  get state(): unknown {
    return this.breakers.map((b) => b.state)
  }

  set state(value: unknown) {
    ;(value as unknown[]).forEach((s, i) => (this.breakers[i]!.state = s))
  }

  success(state: CircuitState): void {
    for (const b of this.breakers) b.success(state)
  }

  failure(state: CircuitState): boolean {
    return this.breakers.map((b) => b.failure(state)).some(Boolean)
  }
}

/** Reports each open duration the backoff hands out, for `Retry-After` and status. */
function recordingDurations<C>(factory: IBackoffFactory<C>, onDuration: (ms: number) => void): IBackoffFactory<C> {
  const wrap = (backoff: IBackoff<C>): IBackoff<C> => {
    onDuration(backoff.duration)
    return { duration: backoff.duration, next: (context) => wrap(backoff.next(context)) }
  }
  return { next: (context) => wrap(factory.next(context)) }
}
