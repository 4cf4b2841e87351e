// `npm run dev`: migrates and seeds each origin's local D1, starts redis-server and the
// Upstash-compatible bridge for rate limiting (when redis-server is installed), then runs
// the gateway (http://localhost:8787) and all five origins in one `wrangler dev`.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { startDevLimiter } from './dev-limiter.mjs'
import { ROOT, SERVICES } from './origins.mjs'

const PERSIST = path.join(ROOT, '.wrangler', 'state')
const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler')

function run(args) {
  const result = spawnSync(wrangler, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr)
    throw new Error(`wrangler ${args.join(' ')} failed`)
  }
}

/** Hash of an origin's schema and seed files: re-seed only when they change. */
function fingerprint(name) {
  const dir = path.join(ROOT, 'services', name)
  const hash = createHash('sha256')
  for (const f of readdirSync(path.join(dir, 'migrations')).sort()) hash.update(readFileSync(path.join(dir, 'migrations', f)))
  hash.update(readFileSync(path.join(dir, 'seed.sql')))
  return hash.digest('hex').slice(0, 16)
}

mkdirSync(PERSIST, { recursive: true })
for (const name of SERVICES) {
  const marker = path.join(PERSIST, `.seeded-${name}`)
  const print = fingerprint(name)
  if (existsSync(marker) && readFileSync(marker, 'utf8') === print) continue
  const config = ['-c', `services/${name}/wrangler.toml`, '--local', '--persist-to', PERSIST]
  console.log(`migrating and seeding local D1 of ${name}…`)
  run(['d1', 'migrations', 'apply', `switchyard-${name}`, ...config])
  run(['d1', 'execute', `switchyard-${name}`, '--file', `services/${name}/seed.sql`, ...config])
  writeFileSync(marker, print)
}

// Rate limiting: redis-server + the Upstash bridge, or the in-memory limiter.
const limiter = await startDevLimiter()
const vars = Object.entries(limiter.vars).map(([name, value]) => `${name}:${value}`)

const configs = ['wrangler.toml', ...SERVICES.map((n) => `services/${n}/wrangler.toml`)]
// OTEL_* and SWITCHYARD_* variables of the shell (e.g. OTEL_EXPORTER_OTLP_ENDPOINT,
// SWITCHYARD_AUTH) reach the gateway, the first Worker; origins read theirs from
// services/<name>/.dev.vars.
const otelVars = Object.entries(process.env)
  .filter(([key]) => key.startsWith('OTEL_') || key.startsWith('SWITCHYARD_'))
  .flatMap(([key, value]) => ['--var', `${key}:${value}`])
const child = spawn(
  wrangler,
  [
    'dev',
    ...configs.flatMap((c) => ['-c', c]),
    '--persist-to',
    PERSIST,
    '--port',
    process.env.PORT ?? '8787',
    ...vars.flatMap((v) => ['--var', v]),
    ...otelVars,
  ],
  { cwd: ROOT, stdio: 'inherit' },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', async (code) => {
  await limiter.stop()
  process.exit(code ?? 0)
})
