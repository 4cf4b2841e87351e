/**
 * Consumers and their API keys in the gateway's own D1 database (`GATEWAY_DB`). Only
 * key hashes are stored. The schema is created idempotently on first use in an isolate
 * (two `CREATE … IF NOT EXISTS`), so a deployment needs no migration step for it.
 */
import { randomHex } from '../hex'
export interface Consumer {
  id: string
  name: string
  scopes: string[]
  roles: string[]
  tier: string | null
  created_at: string
}

export interface KeyInfo {
  id: string
  consumer_id: string
  created_at: string
  revoked_at: string | null
}

export interface StoredKey extends KeyInfo {
  hash: string
  consumer: Consumer
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS consumers (
     id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, roles TEXT NOT NULL,
     tier TEXT, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS api_keys (
     id TEXT PRIMARY KEY, consumer_id TEXT NOT NULL REFERENCES consumers(id), hash TEXT NOT NULL,
     created_at TEXT NOT NULL, revoked_at TEXT)`,
]

interface ConsumerRow {
  id: string
  name: string
  scopes: string
  roles: string
  tier: string | null
  created_at: string
}

const toConsumer = (row: ConsumerRow): Consumer => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes ? row.scopes.split(' ') : [],
  roles: row.roles ? row.roles.split(' ') : [],
  tier: row.tier,
  created_at: row.created_at,
})

export interface ConsumerStore {
  createConsumer(input: { name: string; scopes: string[]; roles: string[]; tier?: string }): Promise<Consumer | 'exists'>
  listConsumers(): Promise<Consumer[]>
  getConsumer(id: string): Promise<Consumer | null>
  addKey(consumerId: string, keyId: string, hash: string): Promise<KeyInfo>
  listKeys(consumerId: string): Promise<KeyInfo[]>
  /** Revokes a key of the consumer; false when there is no such key. Revoking twice keeps the first time. */
  revokeKey(consumerId: string, keyId: string): Promise<boolean>
  findKey(keyId: string): Promise<StoredKey | null>
}

export function d1ConsumerStore(db: D1Database): ConsumerStore {
  let ready = false
  const schema = async () => {
    if (ready) return
    await db.batch(SCHEMA.map((sql) => db.prepare(sql)))
    ready = true
  }
  const now = () => new Date().toISOString()
  return {
    async createConsumer({ name, scopes, roles, tier }) {
      await schema()
      const id = `c${randomHex(8)}`
      const created = now()
      const inserted = await db
        .prepare('INSERT INTO consumers (id, name, scopes, roles, tier, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
        .bind(id, name, scopes.join(' '), roles.join(' '), tier ?? null, created)
        .run()
      if (inserted.meta.changes === 0) return 'exists'
      return { id, name, scopes, roles, tier: tier ?? null, created_at: created }
    },
    async listConsumers() {
      await schema()
      const rows = await db.prepare('SELECT * FROM consumers ORDER BY created_at, id').all<ConsumerRow>()
      return rows.results.map(toConsumer)
    },
    async getConsumer(id) {
      await schema()
      const row = await db.prepare('SELECT * FROM consumers WHERE id = ?').bind(id).first<ConsumerRow>()
      return row ? toConsumer(row) : null
    },
    async addKey(consumerId, keyId, hash) {
      await schema()
      const created = now()
      await db
        .prepare('INSERT INTO api_keys (id, consumer_id, hash, created_at) VALUES (?, ?, ?, ?)')
        .bind(keyId, consumerId, hash, created)
        .run()
      return { id: keyId, consumer_id: consumerId, created_at: created, revoked_at: null }
    },
    async listKeys(consumerId) {
      await schema()
      const rows = await db
        .prepare('SELECT id, consumer_id, created_at, revoked_at FROM api_keys WHERE consumer_id = ? ORDER BY created_at, id')
        .bind(consumerId)
        .all<KeyInfo>()
      return rows.results
    },
    async revokeKey(consumerId, keyId) {
      await schema()
      const found = await db.prepare('SELECT 1 AS found FROM api_keys WHERE id = ? AND consumer_id = ?').bind(keyId, consumerId).first()
      if (!found) return false
      await db
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND consumer_id = ? AND revoked_at IS NULL')
        .bind(now(), keyId, consumerId)
        .run()
      return true
    },
    async findKey(keyId) {
      await schema()
      const row = await db
        .prepare(
          `SELECT k.id, k.consumer_id, k.hash, k.created_at, k.revoked_at,
                  c.id AS c_id, c.name, c.scopes, c.roles, c.tier, c.created_at AS c_created_at
           FROM api_keys k JOIN consumers c ON c.id = k.consumer_id WHERE k.id = ?`,
        )
        .bind(keyId)
        .first<KeyInfo & { hash: string; c_id: string; name: string; scopes: string; roles: string; tier: string | null; c_created_at: string }>()
      if (!row) return null
      return {
        id: row.id,
        consumer_id: row.consumer_id,
        hash: row.hash,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        consumer: toConsumer({ id: row.c_id, name: row.name, scopes: row.scopes, roles: row.roles, tier: row.tier, created_at: row.c_created_at }),
      }
    },
  }
}
