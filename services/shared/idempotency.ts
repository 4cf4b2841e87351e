/**
 * Keyed POSTs at the origin (draft-ietf-httpapi-idempotency-key-header): the gateway may
 * send a POST with an `Idempotency-Key` again (a retry after a lost answer), so a write
 * records (caller, key) → the id of what it created, in the SAME D1 batch as the write.
 * A repeat finds the key (before writing, or as a UNIQUE conflict when two race) and
 * answers with the resource the first request made, which is never made twice.
 *
 * @example
 * ```ts
 * const key = idempotencyKeyOf(c)
 * const first = key && (await findKeyed(db, caller, key))
 * if (first) return answer(first)
 * await db.batch([insert, ...(key ? [recordKey(db, caller, key, 'last_insert_rowid()')] : [])])
 * ```
 */
import type { Context } from 'hono'
import { parseItem, Token } from 'structured-headers'
import { isUniqueViolation } from './d1'
import { ProblemError } from './problem'
import { now } from './schemas'

export const IDEMPOTENCY_KEY = 'Idempotency-Key'

/** The request's key (an RFC 8941 sf-string or token, or a bare visible-ASCII key), or null; 400 when malformed. */
export function idempotencyKeyOf(c: Context): string | null {
  const raw = c.req.header(IDEMPOTENCY_KEY)
  if (raw === undefined) return null
  let key: string | undefined
  try {
    const [item] = parseItem(raw)
    key = typeof item === 'string' ? item : item instanceof Token ? item.toString() : undefined
  } catch {
    // Lenient with bare keys clients commonly send (a UUID is not an sf-token): visible ASCII, no quotes.
    key = /^[\x21\x23-\x7e]+$/.test(raw.trim()) ? raw.trim() : undefined
  }
  if (key === undefined || key.length === 0 || key.length > 255) {
    throw new ProblemError({
      status: 400,
      type: 'invalid-idempotency-key',
      title: 'Invalid Idempotency-Key',
      detail: 'Idempotency-Key must be a structured-field string of 1-255 characters, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324".',
    })
  }
  return key
}

/** The resource id the first request with this key created, or null. */
export async function findKeyed(db: D1Database, caller: string, key: string): Promise<number | null> {
  const row = await db
    .prepare('SELECT resource_id FROM idempotency_keys WHERE caller = ?1 AND key = ?2')
    .bind(caller, key)
    .first<{ resource_id: number }>()
  return row?.resource_id ?? null
}

/**
 * The statement recording the key, for the write's batch. `resource` is a bound id or
 * a SQL expression such as `last_insert_rowid()` (the row the previous statement made);
 * `when` skips it when that statement wrote nothing.
 */
export function recordKey(db: D1Database, caller: string, key: string, resource: number | 'last_insert_rowid()', when = '1'): D1PreparedStatement {
  const value = typeof resource === 'number' ? String(resource) : resource
  return db
    .prepare(`INSERT INTO idempotency_keys (caller, key, resource_id, created_at) SELECT ?1, ?2, ${value}, ?3 WHERE ${when}`)
    .bind(caller, key, now())
}

/** The batch failed because another request with the same key committed first. */
export const isKeyConflict = (err: unknown): boolean => isUniqueViolation(err) && String(err).includes('idempotency_keys')
