import { context, trace as traceApi, type AttributeValue, type Context } from '@opentelemetry/api'

/** Kinds of policy decision recorded on spans; each gets its own attribute namespace. */
export type DecisionKind = 'ratelimit' | 'breaker' | 'auth' | 'cache' | 'idempotency'

/**
 * Records a policy decision on the span of `trace` (the request's trace context,
 * `c.get('trace')` or `CallContext.trace`; the active one when absent): an event
 * `switchyard.<kind>.decision` with the given attributes, and the same attributes on the
 * span itself (`switchyard.<kind>.<name>`), so a trace search can filter on them. A no-op
 * when there is no recording span.
 *
 * @example
 * ```ts
 * recordDecision(c.get('trace'), 'ratelimit', { policy: 'burst', allowed: false, remaining: 0, reset_s: 17 })
 * recordDecision(ctx.trace, 'breaker', { service: 'users', state: 'open', allowed: false })
 * recordDecision(c.get('trace'), 'cache', () => ({ outcome: describe(result) })) // built only when recorded
 * ```
 */
export function recordDecision(
  trace: Context | undefined,
  kind: DecisionKind,
  attributes: Record<string, AttributeValue> | (() => Record<string, AttributeValue>),
): void {
  const span = traceApi.getSpan(trace ?? context.active())
  if (!span?.isRecording()) return
  // A function: the attributes are built only when a span records them.
  const given = typeof attributes === 'function' ? attributes() : attributes
  const prefixed = Object.fromEntries(
    Object.entries(given).map(([name, value]) => [`switchyard.${kind}.${name}`, value]),
  )
  span.addEvent(`switchyard.${kind}.decision`, prefixed)
  span.setAttributes(prefixed)
}
