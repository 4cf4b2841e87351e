// `node bench/tracing.mjs` (also run by `npm run bench`): what tracing costs per request.
// The gateway is built in-process three times — tracing disabled (baseline), enabled with
// no exporter (propagation only), enabled with OTLP export to a local receiver (a child
// process on loopback) — and each serves GET /api/v2/inventory/SKU-RED-MUG (a public
// route: no token) from an in-process origin that answers at once, so the figures are
// the gateway's own work. Requests are sequential and the modes alternate in rounds, so
// drift hits all three alike.
// Bounded: BENCH_TRACING_REQUESTS per mode (default 20 000) plus a warm-up.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../scripts/origins.mjs'
import { importBundled, quantile } from './lib.mjs'

const REQUESTS = Number(process.env.BENCH_TRACING_REQUESTS ?? 20_000)
const ROUNDS = 5

/** The gateway code bundled as Workers get it (browser/worker conditions: the fetch exporter). */
const loadGateway = () =>
  importBundled('gateway-lib', "export { createGateway } from './app/gateway'\nexport { createLogger } from './src/log'\n")

/** The receiver in its own process, so its work is not counted as the gateway's. */
function startReceiver() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'otlp-receiver.mjs'), '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    child.stdout.on('data', (chunk) => {
      const match = /on (http:\/\/[^/\s]+)\/v1\/traces/.exec(String(chunk))
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGTERM') })
    })
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)))
  })
}

const ITEM = JSON.stringify({ sku: 'SKU-RED-MUG', name: 'Red mug', available: 120, reserved: 0 })
/** An origin that answers at once: every service binding resolves to it. */
const origin = { fetch: async () => new Response(ITEM, { headers: { 'content-type': 'application/json' } }) }

function gatewayFor({ createGateway, createLogger }, tracing) {
  const services = Object.fromEntries(
    ['auth', 'users', 'orders', 'payments', 'inventory'].map((n) => [n, { bindings: [n.toUpperCase()] }]),
  )
  return createGateway({ services, tracing }, { bindings: () => origin, logger: createLogger({}, () => {}) })
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

async function timeRequests(app, count, samples) {
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const res = await app.fetch(
      new Request('http://gateway.bench/api/v2/inventory/SKU-RED-MUG', { headers: { traceparent: TRACEPARENT } }),
    )
    await res.arrayBuffer()
    samples?.push(performance.now() - started)
    if (res.status !== 200) throw new Error(`bench request answered ${res.status}`)
  }
}


export async function runTracingBench() {
  const lib = await loadGateway()
  const receiver = await startReceiver()
  try {
    const modes = {
      'tracing off (baseline)': gatewayFor(lib, { enabled: false }),
      'tracing on, export off': gatewayFor(lib, {}),
      'tracing on, OTLP export': gatewayFor(lib, { otlp: { endpoint: `${receiver.url}/v1/traces` } }),
    }
    const samples = Object.fromEntries(Object.keys(modes).map((m) => [m, []]))
    for (const app of Object.values(modes)) await timeRequests(app, 2000) // warm-up (JIT)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, app] of Object.entries(modes)) await timeRequests(app, REQUESTS / ROUNDS, samples[mode])
    }
    // Let the exports of the last requests finish before the receiver goes.
    await new Promise((r) => setTimeout(r, 500))

    console.log(`tracing overhead — GET /api/v2/inventory/SKU-RED-MUG, in-process origin, ${REQUESTS} sequential requests per mode`)
    const base = [...samples['tracing off (baseline)']].sort((a, b) => a - b)
    for (const [mode, list] of Object.entries(samples)) {
      const sorted = [...list].sort((a, b) => a - b)
      const median = quantile(sorted, 0.5) * 1000
      const p99 = quantile(sorted, 0.99) * 1000
      const over = median - quantile(base, 0.5) * 1000
      console.log(
        `${mode.padEnd(26)} median ${median.toFixed(1).padStart(7)} µs   p99 ${p99.toFixed(1).padStart(7)} µs   ` +
          `overhead (median) ${over >= 0 ? '+' : ''}${over.toFixed(1)} µs`,
      )
    }
  } finally {
    receiver.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runTracingBench()
