/**
 * The SERVER span of one incoming request, shared by the gateway's middleware and the
 * origins': continue the caller's trace (strict W3C extraction) or start a new one,
 * then name and close the span with OpenTelemetry's HTTP semantic conventions.
 */
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api'
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions'
import { headersGetter, withRandomTraceId, withRuntimeTracestate } from './propagator'
import { withTelemetry, type Telemetry } from './telemetry'

export interface ServerTrace {
  span: Span
  /** Context to run the request in: its span, telemetry and random-id flag. */
  context: Context
  method: string
  /** The runtime's own span (Deno): named and annotated here, ended by the runtime. */
  adopted: boolean
}

export interface ServerSpanEnd {
  /** Route template (`/api/v2/users/:id`), when a route matched. */
  route?: string | undefined
  status: number
  /** What the handler threw, if anything (the response is then the error document). */
  error?: unknown
  /** True when `error` is a known problem with its own status (not an exception to record). */
  expected?: boolean
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'])
/** Semantic conventions: unknown methods are reported as `_OTHER` (bounded cardinality). */
export const spanMethod = (method: string) => (METHODS.has(method) ? method : '_OTHER')

export function startServerSpan(telemetry: Telemetry, req: Request, clientAddress?: string): ServerTrace {
  const method = spanMethod(req.method)
  let parent = telemetry.propagator.extract(ROOT_CONTEXT, req.headers, headersGetter)
  if (telemetry.runtime) {
    const active = context.active()
    const span = trace.getSpan(active)
    if (span && isSpanContextValid(span.spanContext())) {
      // The runtime continued the caller's trace: keep the caller's (valid) tracestate for our calls.
      const remote = trace.getSpanContext(parent)
      const state = remote?.traceId === span.spanContext().traceId ? remote.traceState?.serialize() : undefined
      return { span, context: withRuntimeTracestate(withTelemetry(active, telemetry), state), method, adopted: true }
    }
  }
  // No usable traceparent: a new trace, whose id is random (Level 2 flag).
  if (!trace.getSpanContext(parent)) parent = withRandomTraceId(parent, true)
  const span = telemetry.tracer.startSpan(method, { kind: SpanKind.SERVER }, parent)
  if (span.isRecording()) {
    const url = new URL(req.url)
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: url.pathname,
      [ATTR_URL_SCHEME]: url.protocol.slice(0, -1),
      [ATTR_SERVER_ADDRESS]: url.hostname,
    })
    const agent = req.headers.get('user-agent')
    if (agent) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, agent)
    if (clientAddress) span.setAttribute(ATTR_CLIENT_ADDRESS, clientAddress)
  }
  return { span, context: withTelemetry(trace.setSpan(parent, span), telemetry), method, adopted: false }
}

/** Names the span `{method} {route}`, records the outcome and ends it. */
export function endServerSpan(server: ServerTrace, end: ServerSpanEnd): void {
  const { span } = server
  if (span.isRecording()) {
    if (end.route) {
      span.updateName(`${server.method} ${end.route}`)
      span.setAttribute(ATTR_HTTP_ROUTE, end.route)
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, end.status)
    // Server spans: only 5xx is the server's error; 4xx is the client's.
    if (end.status >= 500) {
      const exception = end.error instanceof Error && !end.expected ? end.error : undefined
      span.setAttribute(ATTR_ERROR_TYPE, exception ? exception.name : String(end.status))
      if (exception) span.recordException(exception)
      span.setStatus({ code: SpanStatusCode.ERROR })
    }
  }
  if (!server.adopted) span.end()
}
