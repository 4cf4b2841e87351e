/**
 * Consuming a service's queue. Each message is checked before any handler runs: a
 * malformed envelope, a type this service does not subscribe to, an unknown data
 * version or data that fails its schema is dead-lettered at once with the reason (it
 * could never succeed, so it is never retried). A valid event runs its handler inside a
 * `process` span; the handler writes its effect, `ctx.handled` (the event id) and any
 * events it publishes in ONE D1 batch, so a redelivered event finds its id and has no
 * second effect. A handler that throws is retried with exponential backoff; after the
 * queue's `max_retries` the queue moves it to the dead-letter queue.
 */
import type { Telemetry } from '../../../wire/tracing/telemetry'
import { isUniqueViolation } from '../d1'
import { internalFault } from '../faults'
import { now } from '../schemas'
import type { OriginBindings } from '../types'
import { DATA_VERSION, EVENTS, queueName, subscriptionsOf, type EventData, type EventService, type EventType } from './catalog'
import { storeDeadLetter } from './dead-letters'
import { Envelope } from './envelope'
import { outboxInsert, log, type Published } from './outbox'
import { traceProcess } from './tracing'

export interface HandlerContext<B extends OriginBindings> {
  env: B
  db: D1Database
  /** Records the event as handled: put it in the same batch as the effect. */
  handled: D1PreparedStatement
  /** An outbox insert of an event this service publishes (see outboxInsert's `when`). */
  publish<T extends EventType>(type: T, subject: string, data: EventData<T>, when?: [string, ...unknown[]]): Published<T>
}

export type Handler<B extends OriginBindings, T extends EventType> = (
  event: Envelope & { type: T; data: EventData<T> },
  ctx: HandlerContext<B>,
) => Promise<void>

export type Handlers<B extends OriginBindings> = { [T in EventType]?: Handler<B, T> }

/** A handler that cannot run yet (e.g. an event overtook the one it depends on): retried, not dead-lettered. */
export class NotReadyError extends Error {
  override name = 'NotReadyError'
}

type Parsed = { ok: true; event: Envelope & { type: EventType } } | { ok: false; reason: string; event: Partial<Envelope> }

/** Validates a message body against the envelope, the subscription and the type's data schema. */
export function parseEvent(body: unknown, service: EventService): Parsed {
  const raw = typeof body === 'object' && body !== null ? (body as Partial<Envelope>) : {}
  const envelope = Envelope.safeParse(body)
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    return { ok: false, reason: `malformed envelope: ${issues}`.slice(0, 500), event: raw }
  }
  const event = envelope.data
  if (!(subscriptionsOf(service) as string[]).includes(event.type)) {
    return { ok: false, reason: `unknown event type for ${service}: ${event.type}`, event }
  }
  if (event.dataversion !== DATA_VERSION) {
    return { ok: false, reason: `unsupported dataversion ${event.dataversion} of ${event.type}`, event }
  }
  const data = EVENTS[event.type as EventType].data.safeParse(event.data)
  if (!data.success) {
    const issues = data.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    return { ok: false, reason: `malformed ${event.type} data: ${issues}`.slice(0, 500), event }
  }
  return { ok: true, event: { ...event, type: event.type as EventType, data: data.data } }
}

/** Seconds before retry n+1: base · 2^(attempts-1), at most 5 minutes (`EVENT_RETRY_BASE_SECONDS`, default 1). */
export function backoffSeconds(env: { EVENT_RETRY_BASE_SECONDS?: string }, attempts: number): number {
  const base = Number(env.EVENT_RETRY_BASE_SECONDS ?? '1')
  const seconds = (Number.isFinite(base) && base >= 0 ? base : 1) * 2 ** Math.max(0, attempts - 1)
  return Math.min(300, Math.round(seconds))
}

export async function consumeBatch<B extends OriginBindings & { EVENT_RETRY_BASE_SECONDS?: string }>(
  batch: MessageBatch,
  env: B,
  service: EventService,
  handlers: Handlers<B>,
  telemetry: Telemetry,
): Promise<void> {
  const db = env.DB
  // One at a time: events of one order usually arrive together and touch the same rows.
  for (const message of batch.messages) {
    const parsed = parseEvent(message.body, service)
    if (!parsed.ok) {
      await storeDeadLetter(db, message.body, parsed.reason, message.attempts)
      log(service, 'event dead-lettered', { reason: parsed.reason, event_id: parsed.event.id ?? null })
      message.ack()
      continue
    }
    const event = parsed.event
    const handler = handlers[event.type] as Handler<B, EventType> | undefined
    try {
      await traceProcess(telemetry, queueName(service), event, message.attempts, async () => {
        const seen = await db.prepare('SELECT 1 FROM handled_events WHERE event_id = ?1').bind(event.id).first()
        if (seen) return
        if (internalFault(env, `/__events/${event.type}`)) throw new Error(`injected fault handling ${event.type}`)
        if (!handler) throw new Error(`no handler for ${event.type}`)
        const ctx: HandlerContext<B> = {
          env,
          db,
          handled: db
            .prepare('INSERT INTO handled_events (event_id, type, handled_at) VALUES (?1, ?2, ?3)')
            .bind(event.id, event.type, now()),
          publish: (type, subject, data, when) => outboxInsert(db, service, type, subject, data, when),
        }
        await handler(event as Parameters<Handler<B, EventType>>[0], ctx)
      })
      message.ack()
    } catch (err) {
      // Another delivery of the same event committed first: its effect is done.
      if (isUniqueViolation(err) && String(err).includes('handled_events')) {
        message.ack()
        continue
      }
      const delaySeconds = backoffSeconds(env, message.attempts)
      log(service, 'event handling failed', { event_id: event.id, type: event.type, attempts: message.attempts, retry_in_s: delaySeconds, error: String(err) })
      await db
        .prepare(
          `INSERT INTO event_failures (event_id, attempts, last_error, updated_at) VALUES (?1, ?2, ?3, ?4)
           ON CONFLICT (event_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at`,
        )
        .bind(event.id, message.attempts, String(err).slice(0, 500), now())
        .run()
        .catch(() => undefined)
      message.retry({ delaySeconds })
    }
  }
}
