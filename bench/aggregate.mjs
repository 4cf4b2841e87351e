// `node bench/aggregate.mjs` (also run by `npm run bench`): loopback only, bounded.
// 1. Fan-out: a composite of three parts whose origins each answer after 50 ms, vs the
//    slowest part alone, both in workerd (Miniflare) over service bindings. Parallel
//    parts should make the ratio close to 1 (three in a row would be ~3).
// 2. Merge overhead: the composite decorator in-process (Node) over canned upstreams
//    that answer at once, vs calling the same three upstreams and parsing their JSON
//    by hand: the difference is what templating, signals, mapping and merging cost.
import autocannon from 'autocannon'
import { build } from 'esbuild'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPATIBILITY_DATE, ROOT, SERVICES, startOriginServers } from '../scripts/origins.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const DELAY_MS = 50
// Inside the project: workerd refuses module paths that climb out of its directory.
const OUT = path.join(ROOT, '.wrangler', 'bench')

const bundle = (entry, outfile, platform) =>
  build({
    entryPoints: [path.join(ROOT, entry)],
    outfile: path.join(OUT, outfile),
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'error',
  })

function load(url, connections, duration = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration }, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

function summary(label, r) {
  const bad = r.non2xx + r.errors + r.timeouts
  console.log(
    `${label.padEnd(10)} req/s ${r.requests.average.toFixed(0).padStart(6)}   ` +
      `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}`,
  )
  return r.latency
}

async function fanOut() {
  await bundle('bench/aggregate-worker.ts', 'aggregate-worker.js', 'neutral')
  const worker = {
    name: 'switchyard-bench-aggregate',
    modules: true,
    scriptPath: path.join(OUT, 'aggregate-worker.js'),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
    serviceBindings: Object.fromEntries(SERVICES.map((n) => [n.toUpperCase(), `switchyard-${n}`])),
  }
  const servers = await startOriginServers({ extraWorkers: [worker], quiet: true })
  try {
    for (const service of ['users', 'orders', 'payments']) {
      const res = await fetch(`${servers.urls[service]}/__faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'delay', delayMs: DELAY_MS }),
      })
      if (!res.ok) throw new Error(`setting a delay on ${service} failed: ${res.status}`)
    }
    const base = servers.urls['bench-aggregate']
    await load(`${base}/composite`, CONNECTIONS, 2) // warm-up
    // One connection: latency without queueing (the ratio the design promises); then
    // under load, where the composite does three times the origin work.
    for (const connections of [1, CONNECTIONS]) {
      console.log(`fan-out: 3 parts at ${DELAY_MS} ms each vs the slowest part alone — ${connections} connection(s), ${SECONDS} s each, loopback`)
      const single = summary('single', await load(`${base}/single`, connections))
      const three = summary('composite', await load(`${base}/composite`, connections))
      console.log(`ratio composite/single: p50 ${(three.p50 / single.p50).toFixed(2)}   p99 ${(three.p99 / single.p99).toFixed(2)}`)
    }
  } finally {
    await servers.dispose()
  }
}

async function mergeOverhead() {
  await build({
    stdin: {
      contents: "export { composite } from './src/aggregate/composite'\nexport { THREE_PARTS } from './bench/aggregate-parts'",
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: path.join(OUT, 'composite.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'error',
  })
  const { composite, THREE_PARTS } = await import(pathToFileURL(path.join(OUT, 'composite.mjs')).href)
  const profile = { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'customer', created_at: '2026-01-01T09:00:00.000Z' }
  const orders = { data: [1, 2, 3].map((id) => ({ id, user_id: 1, status: 'paid', total_cents: 3900, currency: 'EUR', items: [] })), next_cursor: null }
  const methods = { data: [{ id: 1, user_id: 1, brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, is_default: true }] }
  const canned = (body) => async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
  const upstreams = new Map([
    ['users', canned(profile)],
    ['orders', canned(orders)],
    ['payments', canned(methods)],
  ])
  const dashboard = composite(THREE_PARTS, upstreams)
  const ctx = { service: 'bench', route: '/bench', requestId: 'bench', caller: '1', waitUntil: () => {} }
  const viaComposite = async () => (await dashboard(new Request('http://gateway.test/bench'), ctx)).text()
  const byHand = async () => {
    const parts = await Promise.all(
      [...upstreams].map(async ([service, up]) => (await up(new Request(`http://${service}.internal/x`), ctx)).json()),
    )
    return JSON.stringify({ profile: parts[0], orders: parts[1].data, payment_methods: parts[2].data })
  }
  const perCall = async (fn, n) => {
    const started = performance.now()
    for (let i = 0; i < n; i++) await fn()
    return ((performance.now() - started) * 1000) / n
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const N = 2000
  const ROUNDS = 15
  await perCall(viaComposite, N) // warm-up (JIT)
  await perCall(byHand, N)
  const composed = []
  const hand = []
  for (let r = 0; r < ROUNDS; r++) {
    composed.push(await perCall(viaComposite, N))
    hand.push(await perCall(byHand, N))
  }
  const c = median(composed)
  const h = median(hand)
  console.log(`merge overhead (Node ${process.version}, in-process, 3 canned parts, median of ${ROUNDS} × ${N} calls):`)
  console.log(`  composite ${c.toFixed(1)} µs/call   by hand ${h.toFixed(1)} µs/call   overhead ${(c - h).toFixed(1)} µs/call`)
}

await fanOut()
await mergeOverhead()
