// `node bench/resilience.mjs` (also run by `npm run bench`): what resilience costs.
// 1. In-process (Node, the src/upstream code bundled by esbuild): per-call time of the
//    bare transport vs the full stack (guard · breaker · deadline · retry · per-try
//    timeout · balance) over an origin that answers at once, and of the fast-fail path
//    while the breaker is open. Medians of BENCH_CALLS sequential calls, in µs.
// 2. Over loopback HTTP (gateway and origins in workerd via Miniflare): latency through
//    the gateway with the users origin healthy, then failing with the breaker open.
import autocannon from 'autocannon'
import { pathToFileURL } from 'node:url'
import { gatewayWorker, startOriginServers } from '../scripts/origins.mjs'
import { adminToken, importBundled, quantile } from './lib.mjs'

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000)
const WARMUP = Math.min(2000, CALLS)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

const loadUpstream = () =>
  importBundled(
    'upstream',
    `export { createRegistry } from './src/upstream/registry'
export { urlTransport } from './src/upstream/transport'
export { parseConfig } from './src/config/schema'`,
  )

/** Times `calls` sequential calls; returns median and p99 in µs. */
async function time(call) {
  for (let i = 0; i < WARMUP; i++) await call()
  const samples = new Float64Array(CALLS)
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now()
    await call()
    samples[i] = (performance.now() - t0) * 1000
  }
  samples.sort()
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) }
}

const us = (n) => `${n.toFixed(1).padStart(7)} µs`

async function inProcess() {
  const { createRegistry, urlTransport, parseConfig } = await loadUpstream()
  let failing = false
  const origin = async () =>
    failing
      ? new Response('{"title":"down","status":503}', { status: 503, headers: { 'content-type': 'application/problem+json' } })
      : new Response('{"id":1}', { headers: { 'content-type': 'application/json' } })
  const config = parseConfig({
    services: { users: { urls: ['http://users.bench'] } },
    // A breaker that trips on the first failure and stays open for the whole run.
    resilience: { defaults: { breaker: { consecutiveFailures: 1, openMs: 600_000, maxOpenMs: 600_000 } } },
  })
  const registry = createRegistry(config, { fetch: origin })
  const full = registry.get('users')
  const bare = urlTransport('http://users.bench', origin)
  const ctx = { service: 'users', route: '/users/:id', requestId: 'bench', waitUntil: () => {} }
  const call = (upstream) => async () => {
    const res = await upstream(new Request('http://users.internal/users/1'), ctx)
    await res.arrayBuffer()
  }

  const bareT = await time(call(bare))
  const fullT = await time(call(full))
  failing = true
  await full(new Request('http://users.internal/users/1', { method: 'POST' }), ctx) // trips the breaker
  if (registry.status('users').breaker.state !== 'open') throw new Error('breaker did not open')
  const openT = await time(async () => {
    try {
      await full(new Request('http://users.internal/users/1'), ctx)
      throw new Error('an open breaker let a call through')
    } catch (err) {
      if (err?.name !== 'ProblemError') throw err
    }
  })
  console.log(`in-process, ${CALLS} sequential calls each (Node ${process.version})`)
  console.log(`  bare transport          p50 ${us(bareT.p50)}   p99 ${us(bareT.p99)}`)
  console.log(`  full decorator stack    p50 ${us(fullT.p50)}   p99 ${us(fullT.p99)}`)
  console.log(`  overhead of the stack   p50 ${us(fullT.p50 - bareT.p50)}`)
  console.log(`  fast-fail, breaker open p50 ${us(openT.p50)}   p99 ${us(openT.p99)}`)
}

function load(url, headers) {
  return new Promise((resolve, reject) => {
    // A distinct URL per request (?n=<unique id>): no two calls could share one origin call.
    autocannon({ url: `${url}?n=[<id>]`, idReplacement: true, headers, connections: CONNECTIONS, duration: SECONDS }, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

async function overHttp() {
  const servers = await startOriginServers({
    // Not rate limited: this measures the resilience layer; nothing shared or cached.
    extraWorkers: [
      await gatewayWorker({ bindings: { SWITCHYARD_RATE_LIMIT: 'off', SWITCHYARD_COALESCE: 'off', SWITCHYARD_CACHE: 'off' } }),
    ],
    quiet: true,
  })
  try {
    const url = `${servers.urls.gateway}/api/v2/users/1`
    const auth = { authorization: `Bearer ${await adminToken(servers.urls.gateway)}` }
    const line = (label, r) =>
      console.log(
        `  ${label.padEnd(24)} req/s ${r.requests.average.toFixed(0).padStart(6)}   p50 ${String(r.latency.p50).padStart(3)} ms   ` +
          `p99 ${String(r.latency.p99).padStart(3)} ms   statuses ${JSON.stringify(r.statusCodeStats)}`,
      )
    console.log(`over loopback HTTP, GET /api/v2/users/1 through the gateway, ${CONNECTIONS} connections, ${SECONDS} s each`)
    await load(url, auth) // warm-up
    line('users healthy', await load(url, auth))
    await fetch(`${servers.urls.users}/__faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'status', status: 503 }),
    })
    // The deployed defaults: five failed calls in a row open the breaker for 5 s.
    for (let i = 0; i < 5; i++) await (await fetch(url, { headers: auth })).arrayBuffer()
    const check = await fetch(url, { headers: auth })
    const type = (await check.json()).type ?? ''
    if (!type.endsWith('#circuit-open')) throw new Error(`breaker not open: ${type}`)
    const before = (await (await fetch(`${servers.urls.users}/__faults/stats`)).json()).requests
    line('users failing, open', await load(url, auth))
    const after = (await (await fetch(`${servers.urls.users}/__faults/stats`)).json()).requests
    console.log(`  origin calls while open: ${after - before} (half-open probes only)`)
  } finally {
    await servers.dispose()
  }
}

export async function runResilienceBench() {
  await inProcess()
  await overHttp()
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runResilienceBench()
