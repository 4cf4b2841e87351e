/**
 * Tracing, for the rest of the code: the middleware builds the request's span and
 * context; everything that calls out uses one of these so the call is traced.
 */
export { tracingConfigSchema, tracingFromEnv, type TracingConfig, type TracingConfigInput } from '../../wire/tracing/config'
export { tracedFetch, tracedRequest, injectTraceHeaders, type ClientCallInfo } from '../../wire/tracing/client'
export { recordDecision, type DecisionKind } from './decisions'
export { traceAwareLogger, traceLogFields } from './log-fields'
export { createTelemetry, activeTelemetry, type Telemetry } from '../../wire/tracing/telemetry'
export { withTrace } from './upstream'
export { TRACEPARENT, TRACESTATE, TRACERESPONSE } from '../../wire/tracing/propagator'
