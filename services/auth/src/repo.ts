/** D1 queries of the auth service: credentials and refresh-token families. */
import { randomToken, sha256Base64url } from './encoding'

export interface Credentials {
  id: number
  email: string
  password_hash: string
  salt: string
  roles: string[]
}

interface CredentialsRow extends Omit<Credentials, 'roles'> {
  roles: string
}

const toCredentials = (row: CredentialsRow): Credentials => ({ ...row, roles: JSON.parse(row.roles) as string[] })

export async function findByEmail(db: D1Database, email: string): Promise<Credentials | null> {
  const row = await db
    .prepare('SELECT id, email, password_hash, salt, roles FROM users WHERE email = ?1')
    .bind(email)
    .first<CredentialsRow>()
  return row ? toCredentials(row) : null
}

export async function findById(db: D1Database, id: number): Promise<Credentials | null> {
  const row = await db
    .prepare('SELECT id, email, password_hash, salt, roles FROM users WHERE id = ?1')
    .bind(id)
    .first<CredentialsRow>()
  return row ? toCredentials(row) : null
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A fresh refresh token: 256 random bits; only its digest is stored. */
/**
 * A new refresh token and its INSERT. With `afterSpend`, the row is written only if the
 * statement before it in the same batch changed a row (`changes() = 1`): spending the old
 * token and issuing the next one then commit together or not at all.
 */
async function newToken(db: D1Database, familyId: string, lifetimeSeconds: number, afterSpend = false) {
  const token = randomToken(32)
  const issuedAt = nowSeconds()
  const sql = afterSpend
    ? 'INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1'
    : 'INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)'
  const statement = db
    .prepare(sql)
    .bind(await sha256Base64url(token), familyId, issuedAt, issuedAt + lifetimeSeconds)
  return { token, statement }
}

/** Starts a family (one per login) with its first token. */
export async function startFamily(db: D1Database, userId: number, lifetimeSeconds: number): Promise<string> {
  const familyId = crypto.randomUUID()
  const { token, statement } = await newToken(db, familyId, lifetimeSeconds)
  await db.batch([
    db.prepare('INSERT INTO refresh_families (id, user_id, created_at) VALUES (?1, ?2, ?3)').bind(familyId, userId, nowSeconds()),
    statement,
  ])
  return token
}

export type RotateOutcome =
  | { ok: true; token: string; userId: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' }

interface TokenRow {
  family_id: string
  expires_at: number
  used_at: number | null
  user_id: number
  revoked_at: number | null
}

/**
 * Spends a refresh token for the next one in its family. A token that was already
 * spent (reuse: it was stolen, or its holder is replaying it) revokes the family, so
 * the thief and the victim both have to log in again (OAuth 2.0 Security BCP §4.14).
 */
export async function rotate(db: D1Database, token: string, lifetimeSeconds: number): Promise<RotateOutcome> {
  const hash = await sha256Base64url(token)
  const row = await db
    .prepare(
      `SELECT t.family_id, t.expires_at, t.used_at, f.user_id, f.revoked_at
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = ?1`,
    )
    .bind(hash)
    .first<TokenRow>()
  if (!row) return { ok: false, reason: 'unknown' }
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' }
  const now = nowSeconds()
  if (row.used_at !== null) {
    await revokeFamily(db, row.family_id, 'reuse')
    return { ok: false, reason: 'reused' }
  }
  if (row.expires_at <= now) return { ok: false, reason: 'expired' }
  // Only one caller can spend a token: the conditional update decides a race, and the
  // next token is written in the same batch (one transaction), only if this one was spent.
  const next = await newToken(db, row.family_id, lifetimeSeconds, true)
  const [spent] = await db.batch([
    db.prepare('UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL').bind(hash, now),
    next.statement,
  ])
  if (spent?.meta.changes !== 1) {
    await revokeFamily(db, row.family_id, 'reuse')
    return { ok: false, reason: 'reused' }
  }
  return { ok: true, token: next.token, userId: row.user_id }
}

export async function revokeFamily(db: D1Database, familyId: string, reason: 'logout' | 'reuse'): Promise<void> {
  await db
    .prepare('UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL')
    .bind(familyId, nowSeconds(), reason)
    .run()
}

/** Logout: revokes the family of `token`; an unknown token is not an error (RFC 7009 §2.2). */
export async function revokeByToken(db: D1Database, token: string): Promise<void> {
  const row = await db
    .prepare('SELECT family_id FROM refresh_tokens WHERE token_hash = ?1')
    .bind(await sha256Base64url(token))
    .first<{ family_id: string }>()
  if (row) await revokeFamily(db, row.family_id, 'logout')
}
