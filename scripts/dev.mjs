// `npm run dev`: migrates and seeds each origin's local D1 (through Miniflare, in this
// process) while redis-server and the Upstash-compatible bridge start for rate limiting
// (when redis-server is installed), then runs the gateway and all five origins in one
// `wrangler dev` behind the public port (http://localhost:8787), which answers 503
// problem+json until the gateway is ready and then prints a banner of what is where.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { freePort } from './deno-gateway.mjs'
import { prepareDevDatabases } from './dev-d1.mjs'
import { startFront } from './dev-front.mjs'
import { startDevLimiter } from './dev-limiter.mjs'
import { ROOT, SERVICES } from './origins.mjs'

const started = performance.now()
const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
// DEV_STATE_DIR: another place for the local state (check:readme runs on a fresh one).
const PERSIST = process.env.DEV_STATE_DIR ?? path.join(ROOT, '.wrangler', 'state')
const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler')
const port = process.env.PORT ?? '8787'

let ready = false
const internalPort = await freePort()
const front = await startFront({ port, target: () => (ready ? internalPort : undefined) })

// Rate limiting: redis-server + the Upstash bridge, or the in-memory limiter.
const [seeded, limiter] = await Promise.all([prepareDevDatabases(PERSIST), startDevLimiter()])
const preparedIn = seconds()
if (seeded.length > 0) console.log(`local D1 migrated and seeded: ${seeded.join(', ')}`)
const vars = Object.entries(limiter.vars).map(([name, value]) => `${name}:${value}`)

const configs = ['wrangler.toml', ...SERVICES.map((n) => `services/${n}/wrangler.toml`), 'wrangler.docs.toml']
// OTEL_* and SWITCHYARD_* variables of the shell (e.g. OTEL_EXPORTER_OTLP_ENDPOINT,
// SWITCHYARD_RATE_LIMIT, SWITCHYARD_AUTH) reach the gateway, the first Worker, after (so
// over) the dev limiter's; origins read theirs from services/<name>/.dev.vars.
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
    '--ip',
    '127.0.0.1',
    '--port',
    String(internalPort),
    ...vars.flatMap((v) => ['--var', v]),
    ...otelVars,
  ],
  {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'pipe'],
    // No network here: skip Miniflare's fetch of the Request.cf object (its placeholder is used).
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  },
)
/** wrangler's own per-request line: the gateway already logs one JSON line per request. */
const REQUEST_LINE = /^\[wrangler:info\] [A-Z]+ \S+ \d{3} /
let listening
const listeningNow = new Promise((resolve) => (listening = resolve))
/** wrangler's lines, whole, with its internal port shown as the public one. */
function relay(stream, out) {
  let partial = ''
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()
    for (const line of lines) {
      if (REQUEST_LINE.test(line)) continue
      if (line.includes('Ready on')) listening()
      out.write(`${line.replaceAll(`:${internalPort}`, `:${port}`)}\n`)
    }
  })
}
relay(child.stdout, process.stdout)
relay(child.stderr, process.stderr)

async function stop(code) {
  await front.close()
  await limiter.stop()
  process.exit(code ?? 0)
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => stop(code))

// Ready: wrangler listens, and the gateway answers /health/ready 200 (every origin up).
// A misconfigured gateway is up too: it answers every request 500 `#misconfigured`, and
// that answer (not a 503 "starting" forever) is what the client should see.
await listeningNow
let misconfigured = false
for (;;) {
  const res = await fetch(`http://127.0.0.1:${internalPort}/health/ready`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined)
  const body = res ? await res.text().catch(() => '') : ''
  if (res?.status === 200) break
  if (res?.status === 500 && body.includes('#misconfigured')) {
    misconfigured = true
    break
  }
  await new Promise((r) => setTimeout(r, 250))
}
ready = true
console.log(
  misconfigured
    ? `\nSwitchyard is up on http://localhost:${port} but MISCONFIGURED: every request answers 500 #misconfigured (the gateway's error line above names the config paths)\n`
    : banner(),
)

function banner() {
  const url = `http://localhost:${port}`
  const accounts = [...readFileSync(path.join(ROOT, 'services', 'auth', 'seed.sql'), 'utf8').matchAll(/^--\s+(\S+@\S+)\s+(\S+)\s+(\S+)$/gm)]
  const otlp = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
  const store = limiter.vars.UPSTASH_REDIS_REST_URL ? `Redis through the Upstash bridge ${limiter.vars.UPSTASH_REDIS_REST_URL}` : 'in-memory (per isolate; install redis-server for the shared one)'
  return [
    '',
    `Switchyard is ready on ${url} (${seconds()} s; D1 and limiter ready after ${preparedIn} s)`,
    `  ${url}/              index`,
    `  ${url}/docs          API reference (Swagger UI)`,
    `  ${url}/health/ready  readiness of the five origins`,
    `  ${url}/status        status page (admin token; /status.json)`,
    '  dev accounts (POST /api/v2/auth/login {"email","password"} → access_token):',
    ...accounts.map(([, email, password, role]) => `    ${email.padEnd(26)} ${password.padEnd(20)} ${role}`),
    `  rate limits: ${store}`,
    `  OTLP export: ${otlp ? `traces and metrics to ${otlp}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT, e.g. node scripts/otlp-receiver.mjs)'}`,
    `  faults: ${url}/__dev/faults/<service>`,
    '',
  ].join('\n')
}
