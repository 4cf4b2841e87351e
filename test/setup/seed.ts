import { applyD1Migrations, type D1Migration } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll } from 'vitest'

/** Migrates and seeds every origin's D1 database once (both steps are tracked). */
beforeAll(async () => {
  const bindings = env as unknown as Record<string, unknown>
  for (const name of ['auth', 'users', 'orders', 'payments', 'inventory']) {
    const key = name.toUpperCase()
    const db = bindings[`${key}_DB`] as D1Database
    await applyD1Migrations(db, bindings[`${key}_MIGRATIONS`] as D1Migration[])
    await applyD1Migrations(db, bindings[`${key}_SEED`] as D1Migration[], 'd1_seeds')
  }
})
