/**
 * The transactional outbox. `outboxInsert()` returns the statement that writes an event
 * (one row per subscriber), to go in the same D1 batch as the state change it reports:
 * both commit or neither does. `relayOutbox()` sends what is unsent to the subscribers'
 * queues: right after a request (`waitUntil`), after each consumed batch, and from the
 * Cron sweep for whatever a crash or a failed send left. A row is leased while it is
 * being sent, so two relays rarely send it twice; when they do (a crash between the send
 * and the mark), consumers drop the duplicate by its event id.
 *
 * @example
 * ```ts
 * const placed = outboxInsert(db, 'orders', 'OrderPlaced', `orders/${id}`, data)
 * await db.batch([insertOrder, placed.statement])
 * c.executionCtx.waitUntil(relayOutbox(c.env, 'orders'))
 * ```
 */
import { internalFault } from '../faults'
import { now } from '../schemas'
import { originTelemetry } from '../tracing'
import type { OriginBindings } from '../types'
import { DATA_VERSION, EVENTS, queueBinding, queueName, type EventData, type EventService, type EventType } from './catalog'
import { envelope, type Envelope } from './envelope'
import { traceCreate, traceSend } from './tracing'

/** How long a relay owns the rows it picked before another may send them. */
const LEASE_MS = 30_000
/** Rows per relay run (a queue's sendBatch takes at most 100 messages). */
const BATCH = 100

export interface Published<T extends EventType> {
  event: Envelope<EventData<T>>
  statement: D1PreparedStatement
}

/**
 * The outbox insert of a new `type` event about `subject`. `when` makes it conditional:
 * a SQL expression over parameters numbered from ?6, e.g.
 * `["(SELECT status FROM orders WHERE id = ?6) = 'cancelled'", id]`, so an event is
 * written only when the batch's own change took effect.
 */
export function outboxInsert<T extends EventType>(
  db: D1Database,
  service: EventService,
  type: T,
  subject: string,
  data: EventData<T>,
  when?: [sql: string, ...params: unknown[]],
): Published<T> {
  const spec = EVENTS[type]
  if (spec.producer !== service) throw new Error(`${service} does not publish ${type}`)
  const event = envelope(service, type, DATA_VERSION, subject, data)
  Object.assign(event, traceCreate(event, spec.subscribers.map(queueName)))
  const [condition, ...params] = when ?? ['1']
  const statement = db
    .prepare(
      `INSERT INTO outbox (event_id, subscriber, type, envelope, created_at)
       SELECT ?1, value, ?2, ?3, ?4 FROM json_each(?5) WHERE ${condition}`,
    )
    .bind(event.id, type, JSON.stringify(event), now(), JSON.stringify(spec.subscribers), ...params)
  return { event, statement }
}

interface OutboxRow {
  event_id: string
  subscriber: EventService
  envelope: string
}

export interface RelayResult {
  sent: number
  failed: number
}

/** Sends every unsent, unleased outbox row to its subscriber's queue. Never throws. */
export async function relayOutbox(env: OriginBindings, service: EventService): Promise<RelayResult> {
  const db = env.DB
  const result = { sent: 0, failed: 0 }
  let rows: OutboxRow[]
  try {
    const at = Date.now()
    rows = (
      await db
        .prepare(
          `UPDATE outbox SET lease_until = ?1, attempts = attempts + 1
           WHERE rowid IN (SELECT rowid FROM outbox WHERE sent_at IS NULL AND lease_until < ?2 ORDER BY created_at LIMIT ?3)
           RETURNING event_id, subscriber, envelope`,
        )
        .bind(at + LEASE_MS, at, BATCH)
        .all<OutboxRow>()
    ).results
  } catch (err) {
    log(service, 'outbox read failed', { error: String(err) })
    return result
  }
  const bySubscriber = new Map<EventService, OutboxRow[]>()
  for (const row of rows) bySubscriber.set(row.subscriber, [...(bySubscriber.get(row.subscriber) ?? []), row])
  const telemetry = originTelemetry(service, env)
  await Promise.all(
    [...bySubscriber].map(async ([subscriber, group]) => {
      const ids = JSON.stringify(group.map((r) => r.event_id))
      const events = group.map((r) => JSON.parse(r.envelope) as Envelope)
      try {
        if (internalFault(env, `/__relay/${subscriber}`)) throw new Error(`injected fault sending to ${queueName(subscriber)}`)
        const queue = (env as unknown as Record<string, Queue | undefined>)[queueBinding(subscriber)]
        if (!queue) throw new Error(`no producer binding ${queueBinding(subscriber)}`)
        await traceSend(telemetry, queueName(subscriber), events, () =>
          queue.sendBatch(events.map((body) => ({ body, contentType: 'json' as const }))),
        )
        await db
          .prepare(
            `UPDATE outbox SET sent_at = ?1, lease_until = 0, last_error = NULL
             WHERE subscriber = ?2 AND event_id IN (SELECT value FROM json_each(?3))`,
          )
          .bind(now(), subscriber, ids)
          .run()
        result.sent += group.length
      } catch (err) {
        // Free the rows at once: the next relay (a request's, a batch's or the sweep's) retries them.
        result.failed += group.length
        log(service, 'outbox send failed', { subscriber, events: group.length, error: String(err) })
        await db
          .prepare(`UPDATE outbox SET lease_until = 0, last_error = ?1 WHERE subscriber = ?2 AND event_id IN (SELECT value FROM json_each(?3))`)
          .bind(String(err).slice(0, 500), subscriber, ids)
          .run()
          .catch(() => undefined)
      }
    }),
  )
  return result
}

export function log(service: string, msg: string, fields: Record<string, unknown>, level = 'warn'): void {
  console.error(JSON.stringify({ level, msg, service, ...fields }))
}
