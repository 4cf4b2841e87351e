/**
 * Dead letters: events no handler could process. They arrive two ways — from the
 * service's dead-letter queue (the consumer failed `max_retries` times; the reason is
 * the last recorded failure), or at once from validation (malformed, unknown type).
 * Both are stored in the service's D1 `dead_letters` table, where an admin lists them
 * and replays one (it is sent to the service's own queue again) once the cause is fixed:
 *
 * - `GET  /<service>/events/dead-letters`             (admin)
 * - `POST /<service>/events/dead-letters/{id}/replay` (admin)
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import { isAdmin, requireCaller } from '../ownership'
import { notFoundProblem, ProblemError, problemResponses } from '../problem'
import { IdParams, json, now, Timestamp } from '../schemas'
import type { OriginBindings } from '../types'
import { queueBinding, type EventService } from './catalog'

export async function storeDeadLetter(db: D1Database, body: unknown, reason: string, attempts: number): Promise<void> {
  const event = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : null)
  await db
    .prepare('INSERT INTO dead_letters (event_id, type, body, reason, attempts, dead_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
    .bind(text(event.id), text(event.type), JSON.stringify(body ?? null), reason, attempts, now())
    .run()
}

/** The dead-letter queue's consumer: store each message with the last failure recorded for it. */
export async function consumeDeadLetters(batch: MessageBatch, db: D1Database): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body as { id?: unknown } | null
    const id = typeof body?.id === 'string' ? body.id : null
    const failure = id
      ? await db.prepare('SELECT attempts, last_error FROM event_failures WHERE event_id = ?1').bind(id).first<{ attempts: number; last_error: string }>()
      : null
    await storeDeadLetter(db, message.body, `retries exhausted: ${failure?.last_error ?? 'unknown error'}`, failure?.attempts ?? 0)
    message.ack()
  }
}

const DeadLetter = z
  .object({
    id: z.number().int(),
    event_id: z.string().nullable(),
    type: z.string().nullable(),
    reason: z.string(),
    attempts: z.number().int(),
    dead_at: Timestamp,
    replayed_at: Timestamp.nullable(),
    body: z.unknown().openapi({ description: 'The message as it was received' }),
  })
  .openapi('DeadLetter')
type DeadLetterRow = Omit<z.infer<typeof DeadLetter>, 'body'> & { body: string }

const tags = ['events']

const listRoute = (service: string) =>
  createRoute({
    method: 'get',
    path: `/${service}/events/dead-letters`,
    tags,
    summary: 'Dead-lettered events, newest first (admin)',
    request: {
      query: z.object({ pending: z.enum(['true', 'false']).optional().openapi({ description: 'Only those not replayed yet' }) }),
    },
    responses: {
      200: { description: 'Dead letters', content: json(z.object({ data: z.array(DeadLetter) }).openapi('DeadLetterList')) },
      ...problemResponses(400, 401, 403),
    },
  })

const replayRoute = (service: string) =>
  createRoute({
    method: 'post',
    path: `/${service}/events/dead-letters/{id}/replay`,
    tags,
    summary: "Send a dead-lettered event to the service's queue again (admin)",
    request: { params: IdParams },
    responses: { 202: { description: 'Sent again', content: json(DeadLetter) }, ...problemResponses(400, 401, 403, 404, 409) },
  })

export function requireAdmin(c: Parameters<typeof requireCaller>[0]): void {
  if (isAdmin(requireCaller(c))) return
  throw new ProblemError({ status: 403, type: 'admin-only', title: 'Admins only', detail: 'Event backlogs and dead letters are for admins.' })
}

const toDeadLetter = (row: DeadLetterRow) => ({ ...row, body: JSON.parse(row.body) as unknown })
const COLUMNS = 'id, event_id, type, reason, attempts, dead_at, replayed_at, body'

export function mountDeadLetters<B extends OriginBindings>(app: OpenAPIHono<{ Bindings: B }>, service: EventService): void {
  app.openapi(listRoute(service), async (c) => {
    requireAdmin(c)
    const pending = c.req.valid('query').pending === 'true'
    const { results } = await c.env.DB.prepare(
      `SELECT ${COLUMNS} FROM dead_letters WHERE ?1 = 0 OR replayed_at IS NULL ORDER BY id DESC LIMIT 100`,
    )
      .bind(pending ? 1 : 0)
      .all<DeadLetterRow>()
    return c.json({ data: results.map(toDeadLetter) }, 200)
  })

  app.openapi(replayRoute(service), async (c) => {
    requireAdmin(c)
    const { id } = c.req.valid('param')
    const db = c.env.DB
    // Claim it first, so two replays of one dead letter send it once.
    const row = await db
      .prepare(`UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1 AND replayed_at IS NULL RETURNING ${COLUMNS}`)
      .bind(id, now())
      .first<DeadLetterRow>()
    if (!row) {
      const exists = await db.prepare('SELECT 1 FROM dead_letters WHERE id = ?1').bind(id).first()
      if (!exists) throw notFoundProblem('Dead letter', id)
      throw new ProblemError({ status: 409, type: 'already-replayed', title: 'Already replayed', detail: `Dead letter ${id} was replayed before.` })
    }
    const queue = (c.env as unknown as Record<string, Queue | undefined>)[queueBinding(service)]
    try {
      if (!queue) throw new Error(`no producer binding ${queueBinding(service)}`)
      await queue.send(JSON.parse(row.body), { contentType: 'json' })
    } catch (err) {
      await db.prepare('UPDATE dead_letters SET replayed_at = NULL WHERE id = ?1').bind(id).run()
      throw err
    }
    if (row.event_id) await db.prepare('DELETE FROM event_failures WHERE event_id = ?1').bind(row.event_id).run()
    return c.json(toDeadLetter(row), 202)
  })
}
