// Builds the origin Workers to plain ES modules and describes them for Miniflare.
// Used by the workerd tests (auxiliary Workers), the Deno run and the benchmarks.
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { parseEnv } from 'node:util'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SERVICES = ['auth', 'users', 'orders', 'payments', 'inventory']
export const COMPATIBILITY_DATE = '2026-10-01'
/**
 * The gateway's flags as the Workers run it here (wrangler.toml sets the last one; Node
 * compatibility is on by date): web timers, not Node's Timeout objects, which in workerd
 * cost a request ≈ 14 µs of CPU for its one setTimeout/clearTimeout pair.
 */
export const GATEWAY_COMPATIBILITY_FLAGS = ['nodejs_compat', 'enable_request_signal', 'no_nodejs_global_timers']
const OUT_DIR = path.join(ROOT, '.wrangler', 'origins')

/** Service bindings an origin has to other origins (mirrors services/<name>/wrangler.toml). */
const ORIGIN_BINDINGS = { orders: { INVENTORY: 'switchyard-inventory', USERS: 'switchyard-users' } }

/**
 * Event queues (mirrors the queues sections of services/<name>/wrangler.toml): the
 * subscribers each service publishes to (services/shared/events/catalog.ts); every
 * service also produces to its own queue, to replay dead letters.
 */
const PUBLISHES_TO = { orders: ['inventory', 'payments'], inventory: ['orders', 'payments'], payments: ['orders'] }
export const eventsQueue = (name) => `switchyard-${name}-events`

/**
 * Queue bindings of an origin for Miniflare. Batches are cut after `batchTimeout`
 * seconds (tests: 50 ms, so a batch gathers what one saga step sends; wrangler.toml
 * deploys 0) and retries are immediate, so tests do not wait on timers; `maxRetries`
 * is 3, so a poison message reaches the dead-letter queue after 4 tries.
 */
function queueOptions(name, batchTimeout = 0.05) {
  const targets = PUBLISHES_TO[name]
  if (!targets) return {}
  const queue = eventsQueue(name)
  return {
    queueProducers: Object.fromEntries([...targets, name].map((t) => [`EVENTS_${t.toUpperCase()}`, { queueName: eventsQueue(t) }])),
    queueConsumers: {
      [queue]: { maxBatchSize: 10, maxBatchTimeout: batchTimeout, maxRetries: 3, retryDelay: 0, deadLetterQueue: `${queue}-dlq` },
      [`${queue}-dlq`]: { maxBatchSize: 10, maxBatchTimeout: 0.05 },
    },
  }
}

/** esbuild options that resolve packages as workerd does (its export conditions). */
export const WORKER_BUILD = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  logLevel: 'error',
}

/**
 * Each origin's wrangler.toml `[alias]` as wrangler applies it (the bare specifier only):
 * `zod` is classic zod without what origins never use (services/shared/zod/).
 */
const leanZod = {
  name: 'lean-zod',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: path.join(ROOT, 'services', 'shared', 'zod', 'index.ts') }))
  },
}

/** Bundles every origin (what `wrangler deploy` would upload, minus minification). */
export async function buildOrigins() {
  await Promise.all(
    SERVICES.map((name) =>
      build({
        ...WORKER_BUILD,
        plugins: [leanZod],
        entryPoints: [path.join(ROOT, 'services', name, 'src', 'index.ts')],
        outfile: path.join(OUT_DIR, `${name}.js`),
      }),
    ),
  )
}

/**
 * DEV ONLY, public in this repository: the HMAC key of identity headers between the
 * Deno gateway and origins served at URLs (`npm run dev:deno`, the Deno tests).
 */
export const DEV_IDENTITY_SECRET = 'dev-only-identity-secret-do-not-deploy-0123456789'

/** D1 database id shared by an origin and anything that seeds it. */
export const databaseId = (name) => `switchyard-${name}`

/**
 * An origin's vars as `wrangler dev` gives them: `[vars]` of its wrangler.toml (simple
 * `KEY = "value"` lines), then its .dev.vars (for auth: the committed dev signing key).
 */
export function devVars(name) {
  const dir = path.join(ROOT, 'services', name)
  const toml = readFileSync(path.join(dir, 'wrangler.toml'), 'utf8')
  const section = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0] ?? ''
  const vars = Object.fromEntries([...section.matchAll(/^([A-Z][A-Z0-9_]*) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]))
  return { ...vars, ...parseEnv(readFileSync(path.join(dir, '.dev.vars'), 'utf8')) }
}

/** Miniflare options for each origin Worker; `vars` are added to every one. */
export function originWorkers(vars = {}, { queueBatchTimeout } = {}) {
  return SERVICES.map((name) => ({
    name: `switchyard-${name}`,
    modules: true,
    scriptPath: path.join(OUT_DIR, `${name}.js`),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
    d1Databases: { DB: databaseId(name) },
    serviceBindings: ORIGIN_BINDINGS[name] ?? {},
    ...queueOptions(name, queueBatchTimeout),
    // Event retries without backoff in tests (the backoff itself is unit-tested).
    bindings: { ...devVars(name), FAULT_INJECTION: 'enabled', EVENT_RETRY_BASE_SECONDS: '0', ...vars },
  }))
}

/** Another instance of an origin's Worker under `name`, sharing its database, with `vars` on top. */
export function originVariant(service, name, vars = {}) {
  // A queue has one consumer: the variant only produces.
  const { queueConsumers: _consumers, ...base } = originWorkers().find((w) => w.name === `switchyard-${service}`)
  return { ...base, name, bindings: { ...base.bindings, ...vars } }
}

/**
 * Extra instances of an origin, for balancing and outlier-detection tests: the same
 * bundle under another Worker name, sharing the service's D1 database but with its own
 * isolate (its own fault settings and counters). `{ users: ['switchyard-users-b'] }`.
 */
export const REPLICAS = { users: ['switchyard-users-b'] }

export function replicaWorkers(vars = {}) {
  return Object.entries(REPLICAS).flatMap(([service, names]) => names.map((name) => originVariant(service, name, vars)))
}

/** Splits a SQL file into statements (the files use one statement per `;` line end). */
export async function readStatements(file) {
  const sql = await readFile(file, 'utf8')
  return sql
    .split(/;\s*(?:\r?\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean)
}

/** Migrations then seed data for one origin, as ordered statement lists. */
export async function schemaAndSeed(name) {
  const { readdir } = await import('node:fs/promises')
  const dir = path.join(ROOT, 'services', name, 'migrations')
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations = []
  for (const f of files) migrations.push(...(await readStatements(path.join(dir, f))))
  const seed = await readStatements(path.join(ROOT, 'services', name, 'seed.sql'))
  return { migrations, seed }
}

/**
 * Applies migrations then seed data to a D1 database from Node (Miniflare's
 * `getD1Database`), recording what ran so a persisted database is not redone.
 */
export async function migrateAndSeed(db, name) {
  await db.prepare('CREATE TABLE IF NOT EXISTS _switchyard_applied (step TEXT PRIMARY KEY)').run()
  const done = new Set((await db.prepare('SELECT step FROM _switchyard_applied').all()).results.map((r) => r.step))
  const { migrations, seed } = await schemaAndSeed(name)
  for (const [step, statements] of [['migrations', migrations], ['seed', seed]]) {
    if (done.has(step)) continue
    for (const sql of statements) await db.prepare(sql).run()
    await db.prepare('INSERT INTO _switchyard_applied (step) VALUES (?)').bind(step).run()
  }
}

/**
 * Starts every origin in one Miniflare, each on its own loopback port, with
 * migrated and seeded databases. Returns their base URLs by service name.
 * `quiet` drops the Workers' console output.
 */
export async function startOriginServers({ persistTo, vars = {}, host = '127.0.0.1', extraWorkers = [], quiet = false, queueBatchTimeout } = {}) {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  await buildOrigins()
  const workers = [...extraWorkers, ...originWorkers(vars, { queueBatchTimeout }), docsWorker()].map((w) => ({
    ...w,
    unsafeDirectSockets: [{ host, port: 0 }],
  }))
  const options = { workers, ...(persistTo ? { d1Persist: persistTo } : {}) }
  // Quiet: the Workers' own log lines (one per request) would drown a benchmark's output.
  if (quiet) options.handleStructuredLogs = () => {}
  const mf = new Miniflare(convertV4MiniflareOptions(options))
  await mf.ready
  const urls = {}
  for (const name of SERVICES) {
    await migrateAndSeed(await mf.getD1Database('DB', `switchyard-${name}`), name)
  }
  for (const worker of workers) {
    const name = worker.name.replace(/^switchyard-/, '')
    urls[name] = (await mf.unsafeGetDirectURL(worker.name)).toString().replace(/\/$/, '')
  }
  return { urls, dispose: () => mf.dispose() }
}

const DOCS_WORKER = 'switchyard-docs'

/**
 * The docs assets Worker (wrangler.docs.toml): the swagger-ui-dist package as Workers
 * static assets, with no script of its own; the gateway's DOCS_ASSETS binding.
 */
export function docsWorker() {
  return {
    name: DOCS_WORKER,
    modules: true,
    script: 'export default {}',
    compatibilityDate: COMPATIBILITY_DATE,
    assets: {
      directory: path.join(ROOT, 'node_modules', 'swagger-ui-dist'),
      routerConfig: { has_user_worker: false },
    },
  }
}

/**
 * The gateway Worker itself, bundled, bound to the origins as in wrangler.toml.
 * `name` and `bindings` let tests run a second gateway instance with its own vars;
 * `minify` builds it as deployed (wrangler.toml `minify = true`), for benchmarks.
 */
export async function gatewayWorker({ name = 'switchyard-gateway', bindings = {}, minify = false } = {}) {
  const outfile = path.join(OUT_DIR, minify ? 'gateway.min.js' : 'gateway.js')
  await build({ ...WORKER_BUILD, entryPoints: [path.join(ROOT, 'app', 'worker.ts')], outfile, minify })
  return {
    name,
    modules: true,
    scriptPath: outfile,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: GATEWAY_COMPATIBILITY_FLAGS,
    serviceBindings: {
      ...Object.fromEntries(SERVICES.map((n) => [n.toUpperCase(), `switchyard-${n}`])),
      // As in wrangler.toml: Swagger UI's files for the docs pages (docsWorker()).
      DOCS_ASSETS: DOCS_WORKER,
    },
    bindings,
    // As [[d1_databases]] in wrangler.toml: consumers and API key hashes.
    d1Databases: { GATEWAY_DB: 'switchyard-gateway' },
  }
}
