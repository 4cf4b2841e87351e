/**
 * Spans of the asynchronous hops, after OpenTelemetry's messaging semantic conventions:
 * - `create <type>` (PRODUCER), when an event is written to the outbox inside the
 *   request or consumer that caused it; its context is the envelope's `traceparent`.
 * - `send <queue>` (CLIENT), one per relay batch, linked to each event's create span.
 * - `process <type>` (CONSUMER), the consumer's work, a child of the create span, so one
 *   trace holds the request, every event and every service's work on it.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Link } from '@opentelemetry/api'
import { withTelemetry, type Telemetry } from '../../../wire/tracing/telemetry'
import { activeTelemetry } from '../../../wire/tracing/telemetry'
import type { Envelope } from './envelope'

const SYSTEM = 'cloudflare_queues'

type Carrier = Record<string, string>
const getter = {
  get: (carrier: Carrier, key: string) => carrier[key],
  keys: (carrier: Carrier) => Object.keys(carrier),
}
const setter = { set: (carrier: Carrier, key: string, value: string) => void (carrier[key] = value) }

/** `traceparent`/`tracestate` for a new event, from a `create` span of the active trace. */
export function traceCreate(event: Envelope, destinations: readonly string[]): Carrier {
  const telemetry = activeTelemetry()
  const carrier: Carrier = {}
  if (!telemetry?.enabled) return carrier
  const span = telemetry.tracer.startSpan(`create ${event.type}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'create',
      'messaging.operation.name': 'create',
      'messaging.message.id': event.id,
      'messaging.destination.name': destinations.join(','),
      'cloudevents.event_type': event.type,
      'cloudevents.event_id': event.id,
    },
  })
  telemetry.propagator.inject(trace.setSpan(context.active(), span), carrier, setter)
  span.end()
  return carrier
}

const contextOf = (telemetry: Telemetry, event: Partial<Envelope>) =>
  telemetry.propagator.extract(ROOT_CONTEXT, { traceparent: event.traceparent ?? '', tracestate: event.tracestate ?? '' }, getter)

/** Runs `send` in a `send <queue>` span linked to each event's create span. */
export async function traceSend<T>(telemetry: Telemetry, queue: string, events: Partial<Envelope>[], send: () => Promise<T>): Promise<T> {
  if (!telemetry.enabled) return send()
  const links: Link[] = []
  for (const e of events) {
    const ctx = trace.getSpanContext(contextOf(telemetry, e))
    if (ctx) links.push({ context: ctx })
  }
  const span = telemetry.tracer.startSpan(`send ${queue}`, {
    kind: SpanKind.CLIENT,
    links,
    attributes: {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': queue,
      'messaging.batch.message_count': events.length,
    },
  })
  return finish(span, () => send())
}

/** Runs `process` in a `process <type>` CONSUMER span continuing the event's trace. */
export function traceProcess<T>(
  telemetry: Telemetry,
  queue: string,
  event: Partial<Envelope>,
  attempts: number,
  process: () => Promise<T>,
): Promise<T> {
  const parent = withTelemetry(contextOf(telemetry, event), telemetry)
  if (!telemetry.enabled) return context.with(parent, process)
  const attributes: Attributes = {
    'messaging.system': SYSTEM,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
    'messaging.message.delivery_count': attempts,
  }
  if (event.id) attributes['messaging.message.id'] = event.id
  if (event.type) attributes['cloudevents.event_type'] = event.type
  const span = telemetry.tracer.startSpan(`process ${event.type ?? 'unknown'}`, { kind: SpanKind.CONSUMER, attributes }, parent)
  return context.with(trace.setSpan(parent, span), () => finish(span, process))
}

async function finish<T>(span: ReturnType<Telemetry['tracer']['startSpan']>, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    span.setAttribute('error.type', err instanceof Error ? err.name : 'Error')
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
    throw err
  } finally {
    span.end()
  }
}

/** Runs `fn` with the service's telemetry active (queue and cron handlers have no request). */
export const withServiceTelemetry = <T>(telemetry: Telemetry, fn: () => Promise<T>): Promise<T> =>
  context.with(withTelemetry(context.active(), telemetry), fn)
