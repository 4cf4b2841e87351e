import { context, type Context } from '@opentelemetry/api'

/**
 * Runs `fn` with the request's trace context (`c.get('trace')`) as the active one, for
 * the few calls that are handed no context and look for it there: jose's JWKS fetch and
 * the Upstash client's, through `tracedFetch` / `injectTraceHeaders`. Only those rare or
 * already costly calls (a token-cache miss, a Redis-backed store) enter this frame: in
 * workerd with Node compatibility every promise made inside an `AsyncLocalStorage` frame
 * carries it, which costs a request tens of µs of CPU, so the request as a whole runs
 * outside any.
 *
 * @example
 * ```ts
 * const identity = await withinTrace(c.get('trace'), () => verifier.verify(token))
 * ```
 */
export function withinTrace<T>(trace: Context | undefined, fn: () => T): T {
  return trace ? context.with(trace, fn) : fn()
}

/**
 * `withinTrace` for a call to a store (rate limits, idempotency): a Redis-backed store's
 * client finds the request's trace as the active context, so its calls are client spans
 * of the request; the in-memory store calls nothing and runs without a frame.
 *
 * @example
 * ```ts
 * const outcome = await storeCallIn(limiter.store, c.get('trace'), () => limiter.decide(caller, scope))
 * ```
 */
export function storeCallIn<T>(store: { readonly kind: string }, trace: Context | undefined, fn: () => T): T {
  return store.kind === 'memory' ? fn() : withinTrace(trace, fn)
}
