// `npm run check:deploy`: bundles every Worker exactly as `wrangler deploy` would
// (`--dry-run`, nothing is uploaded; minified, as each wrangler.toml says) and prints
// each bundle's raw and gzip size, and the gateway's against its budget (a cold
// isolate parses and evaluates all of it before the first request): over it, it fails.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { ROOT, SERVICES } from './origins.mjs'

const OUT = path.join(ROOT, 'dist', 'deploy')
const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler')
const workers = [
  ['gateway', 'wrangler.toml'],
  ...SERVICES.map((name) => [name, `services/${name}/wrangler.toml`]),
  // Assets only (Swagger UI's files): its size is the no-op script wrangler adds.
  ['docs', 'wrangler.docs.toml'],
]

// The gateway's schemas use `zod/mini` (src/config/zod-locale.ts): classic zod cannot be
// tree-shaken (its schemas carry every method, JSON-schema conversion included) and adds
// ≈ 18 KiB gzip; one classic import anywhere in the gateway brings all of it back.
const GATEWAY_DIRS = ['app', 'src', 'middleware', 'routes', 'wire']
const classicZod = GATEWAY_DIRS.flatMap((dir) =>
  readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f))
    .filter((f) => /^import [^;]*? from 'zod(\/v4)?'/m.test(readFileSync(path.join(ROOT, f), 'utf8'))),
)
if (classicZod.length > 0) {
  console.error(`the gateway imports classic zod (use 'zod/mini'): ${classicZod.join(', ')}`)
}

rmSync(OUT, { recursive: true, force: true })
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
/** The gateway's gzip budget (README, "Performance"): a bigger bundle fails the check. */
const GATEWAY_BUDGET = 150 * 1024
let failed = false
for (const [name, config] of workers) {
  const outdir = path.join(OUT, name)
  const result = spawnSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir, '-c', config], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  if (result.status !== 0) {
    failed = true
    console.error(`${name}: wrangler deploy --dry-run failed\n${result.stdout}${result.stderr}`)
    continue
  }
  const files = readdirSync(outdir).filter((f) => f.endsWith('.js'))
  const raw = files.reduce((sum, f) => sum + statSync(path.join(outdir, f)).size, 0)
  const gz = files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(outdir, f))).length, 0)
  if (name === 'gateway' && gz > GATEWAY_BUDGET) failed = true
  const budget = name === 'gateway' ? `   budget ${kib(GATEWAY_BUDGET)}: ${gz <= GATEWAY_BUDGET ? 'within' : `OVER by ${kib(gz - GATEWAY_BUDGET)}`}` : ''
  console.log(`${name.padEnd(10)} raw ${kib(raw).padStart(10)}   gzip ${kib(gz).padStart(10)}${budget}`)
}
process.exit(failed || classicZod.length > 0 ? 1 : 0)
