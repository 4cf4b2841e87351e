import { context } from '@opentelemetry/api'
import type { UpstreamDecorator } from '../upstream/types'
import { forRuntimeFetch, tracedRequest } from '../../wire/tracing/client'
import type { Telemetry } from '../../wire/tracing/telemetry'

/**
 * The tracing decorator of the upstream stack: one CLIENT span per request it sends,
 * and that span's id as the parent id of the `traceparent` (with the `tracestate`)
 * the origin receives. Its parent is the call's trace context (`CallContext.trace`, the
 * request's server span), else the active one.
 *
 * Where it goes decides what a span is. Placed inside the retry layer, every attempt
 * is its own span with its own parent id, and attempts after the first carry
 * `http.request.resend_count` (`CallContext.resendCount`, which the retry layer sets):
 * `withBreaker(withRetry(withTrace(telemetry)(withTimeout(balance(pool)))))`.
 *
 * @example
 * ```ts
 * const users: Upstream = withTrace(telemetry)(bindingTransport(env.USERS))
 * await users(new Request('http://users.internal/users/1'), ctx)
 * ```
 */
export function withTrace(telemetry: Telemetry): UpstreamDecorator {
  if (!telemetry.enabled) return (next) => next
  // The runtime traces fetch itself (Deno) and adds its own traceparent.
  if (telemetry.runtime) return (next) => (req, ctx) => next(forRuntimeFetch(req, telemetry, ctx.trace ?? context.active()), ctx)
  return (next) => (req, ctx) => {
    const info = { service: ctx.service, resendCount: ctx.resendCount ?? 0 }
    return tracedRequest(telemetry, req, info, (traced) => next(traced, ctx), ctx.trace ?? context.active())
  }
}
