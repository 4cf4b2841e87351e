// The origins' local D1 databases for `npm run dev`, migrated and seeded in one Node
// process through Miniflare (the engine `wrangler dev` runs), written where
// `wrangler dev --persist-to <dir>` reads them: <dir>/v3/d1, keyed by each
// wrangler.toml's database_id. One process instead of ten `wrangler d1` calls.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { migrateAndSeed, ROOT, SERVICES } from './origins.mjs'

/** Hash of an origin's schema and seed files: a database is rebuilt only when they change. */
function fingerprint(name) {
  const dir = path.join(ROOT, 'services', name)
  const hash = createHash('sha256')
  for (const f of readdirSync(path.join(dir, 'migrations')).sort()) hash.update(readFileSync(path.join(dir, 'migrations', f)))
  hash.update(readFileSync(path.join(dir, 'seed.sql')))
  return hash.digest('hex').slice(0, 16)
}

/** The `database_id` of an origin's D1 binding in its wrangler.toml: wrangler dev's local key. */
function databaseIdOf(name) {
  const toml = readFileSync(path.join(ROOT, 'services', name, 'wrangler.toml'), 'utf8')
  const id = /^database_id\s*=\s*"([^"]+)"/m.exec(toml)?.[1]
  if (!id) throw new Error(`services/${name}/wrangler.toml has no database_id`)
  return id
}

/**
 * Brings every origin's local database up to its current migrations and seed; one
 * whose files changed since it was seeded is emptied and rebuilt. Returns the names
 * it (re)built; the others were left as they were.
 */
export async function prepareDevDatabases(persistTo) {
  mkdirSync(persistTo, { recursive: true })
  const stale = SERVICES.filter((name) => {
    const marker = path.join(persistTo, `.seeded-${name}`)
    return !(existsSync(marker) && readFileSync(marker, 'utf8') === fingerprint(name))
  })
  if (stale.length === 0) return []
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'd1-setup',
          modules: true,
          script: 'export default { fetch: () => new Response(null, { status: 204 }) }',
          d1Databases: Object.fromEntries(stale.map((name) => [name, databaseIdOf(name)])),
        },
      ],
      // Where `wrangler dev --persist-to <dir>` keeps its state (wrangler's getDefaultPersistRoot).
      resourcePersistencePath: path.join(persistTo, 'v3'),
    }),
  )
  try {
    for (const name of stale) {
      const db = await mf.getD1Database(name)
      const tables = await db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
        .all()
      // Drop in one batch with foreign keys deferred, so order does not matter.
      if (tables.results.length > 0) {
        await db.batch([
          db.prepare('PRAGMA defer_foreign_keys = on'),
          ...tables.results.map((t) => db.prepare(`DROP TABLE IF EXISTS "${t.name}"`)),
        ])
      }
      await migrateAndSeed(db, name)
      writeFileSync(path.join(persistTo, `.seeded-${name}`), fingerprint(name))
    }
  } finally {
    await mf.dispose()
  }
  return stale
}
