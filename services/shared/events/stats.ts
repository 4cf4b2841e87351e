/**
 * The service's event backlog for operators, read by the gateway's status page over its
 * binding (admin callers only; not in the OpenAPI document, not routed to clients):
 *
 * - `GET /<service>/events/stats` →
 *   `{ "outbox": { "unsent": 2, "failing": 1, "oldest_unsent_at": "…" }, "dead_letters": { "pending": 0, "total": 3 } }`
 *
 * `unsent`: outbox rows not yet on their subscriber's queue (the queue's own depth is not
 * readable from a Worker); `failing`: those of them whose last send failed; dead letters
 * `pending` are those not replayed yet.
 */
import type { Hono } from 'hono'
import type { OriginBindings } from '../types'
import { requireAdmin } from './dead-letters'
import type { EventService } from './catalog'

export interface EventStats {
  outbox: { unsent: number; failing: number; oldest_unsent_at: string | null }
  dead_letters: { pending: number; total: number }
}

export async function eventStats(db: D1Database): Promise<EventStats> {
  const [outbox, dead] = await db.batch<Record<string, number | string | null>>([
    db.prepare(
      'SELECT COUNT(*) AS unsent, COUNT(last_error) AS failing, MIN(created_at) AS oldest FROM outbox WHERE sent_at IS NULL',
    ),
    db.prepare('SELECT COUNT(*) AS total, COUNT(*) - COUNT(replayed_at) AS pending FROM dead_letters'),
  ])
  const o = outbox?.results[0] ?? {}
  const d = dead?.results[0] ?? {}
  return {
    outbox: { unsent: Number(o.unsent ?? 0), failing: Number(o.failing ?? 0), oldest_unsent_at: (o.oldest as string | null) ?? null },
    dead_letters: { pending: Number(d.pending ?? 0), total: Number(d.total ?? 0) },
  }
}

export function mountEventStats<B extends OriginBindings>(app: Hono<{ Bindings: B }>, service: EventService): void {
  app.get(`/${service}/events/stats`, async (c) => {
    requireAdmin(c)
    return c.json(await eventStats(c.env.DB), 200, { 'Cache-Control': 'no-store' })
  })
}
