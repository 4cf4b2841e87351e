import { traceLogFields } from '../../wire/tracing/log-fields'
import type { CallContext } from './types'

/**
 * What a line the upstream layers log for a call begins with: the request's trace and
 * span id (from the call's trace context) and its request id, so it joins the request's
 * access log line and trace.
 */
export function callLogFields(ctx: CallContext): { trace_id?: string; span_id?: string; request_id: string } {
  return { ...traceLogFields(ctx.trace), request_id: ctx.requestId }
}
