/** D1 queries of the users service. */
import type { User, UserPatch } from './schemas'

const COLUMNS = 'id, name, email, role, created_at'

/** `limit + 1` rows after `afterId`, so the caller can tell whether another page exists. */
export async function listUsers(db: D1Database, afterId: number, limit: number): Promise<User[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM users WHERE id > ?1 ORDER BY id LIMIT ?2`)
    .bind(afterId, limit + 1)
    .all<User>()
  return results
}

export function getUser(db: D1Database, id: number): Promise<User | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?1`).bind(id).first<User>()
}

/** Null when the user does not exist; throws the D1 error on a duplicate email. */
export function updateUser(db: D1Database, id: number, patch: UserPatch): Promise<User | null> {
  return db
    .prepare(
      `UPDATE users SET name = coalesce(?2, name), email = coalesce(?3, email)
       WHERE id = ?1 RETURNING ${COLUMNS}`,
    )
    .bind(id, patch.name ?? null, patch.email ?? null)
    .first<User>()
}
