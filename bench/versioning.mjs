// Versioning overhead. Micro: the per-request work (negotiation, a v1 transform, a
// body validation) timed in Node, bounded by count. Load, loopback only and bounded
// in time: the same user through the gateway
// as v2 (path), v2 negotiated by header on the unversioned path, and v1 (path: served
// from v2 by the response transform, with deprecation headers), then a v2 POST whose
// body the gateway validates against the origin's schema before forwarding.
// `node bench/versioning.mjs` alone starts its own servers; bench/run.mjs calls
// `benchVersioning(gatewayUrl)` with its own.
import autocannon from 'autocannon'
import { build } from 'esbuild'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { adminToken } from './lib.mjs'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, idReplacement: true, ...opts }, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

function line(label, r) {
  const bad = r.non2xx + r.errors + r.timeouts
  console.log(
    `${label.padEnd(34)} req/s ${r.requests.average.toFixed(0).padStart(6)}   ` +
      `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}`,
  )
  return r.requests.average
}

/** Bundles bench/versioning-micro.ts (TypeScript) and runs it in this process. */
export async function microVersioning(iterations = Number(process.env.BENCH_ITERATIONS ?? 100_000)) {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const outfile = path.join(here, '..', '.wrangler', 'bench', 'versioning-micro.mjs')
  await build({ entryPoints: [path.join(here, 'versioning-micro.ts')], outfile, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' })
  console.log('versioning, micro — Node, one core')
  ;(await import(pathToFileURL(outfile).href)).run(iterations)
}

export async function benchVersioning(gateway) {
  // Every call as the seeded admin (the routes need users:read / users:write).
  const auth = { authorization: `Bearer ${await adminToken(gateway)}` }
  await microVersioning()
  console.log(`versioning — ${CONNECTIONS} connections, ${DURATION} s each, loopback`)
  await load({ url: `${gateway}/api/v1/users/1`, headers: auth, duration: 2 }) // warm-up
  const v2 = line('GET /api/v2/users/1', await load({ url: `${gateway}/api/v2/users/1?n=[<id>]`, headers: auth }))
  line('GET /api/users/1 API-Version:2', await load({ url: `${gateway}/api/users/1?n=[<id>]`, headers: { ...auth, 'api-version': '2' } }))
  const v1 = line('GET /api/v1/users/1 (transform)', await load({ url: `${gateway}/api/v1/users/1?n=[<id>]`, headers: auth }))
  // PATCH to the same value: validated at the gateway, idempotent at the origin.
  line('PATCH /api/v2/users/1 (validated)', await load({
    url: `${gateway}/api/v2/users/1`,
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada Lovelace' }),
  }))
  console.log(`ratio v1/v2 req/s: ${(v1 / v2).toFixed(2)}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { gatewayWorker, startOriginServers } = await import('../scripts/origins.mjs')
  const servers = await startOriginServers({ extraWorkers: [await gatewayWorker()], quiet: true })
  try {
    await benchVersioning(servers.urls.gateway)
  } finally {
    await servers.dispose()
  }
}
