/**
 * Tracing, for the rest of the code: the middleware builds the request's span and
 * context (`c.get('trace')`); everything that calls out or logs for the request is
 * handed that context and uses one of these so the call is traced.
 */
export { tracingConfigSchema, tracingFromEnv, type TracingConfig, type TracingConfigInput } from '../../wire/tracing/config'
export { tracedFetch, tracedRequest, injectTraceHeaders, type ClientCallInfo } from '../../wire/tracing/client'
export { recordDecision, type DecisionKind } from './decisions'
export { traceLogFields } from '../../wire/tracing/log-fields'
export { storeCallIn, withinTrace } from './within'
export { createTelemetry, activeTelemetry, type Telemetry } from '../../wire/tracing/telemetry'
export { withTrace } from './upstream'
export { TRACEPARENT, TRACESTATE, TRACERESPONSE } from '../../wire/tracing/propagator'
