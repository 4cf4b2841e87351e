// `node bench/rpc.mjs` (also run by `npm run bench`): loopback only, bounded.
// 1. In process (Node): the gateway's cost per request of a REST route transcoded to a
//    Connect call (binary) vs the same row through the REST route (bench/rpc-micro.ts).
// 2. Load: the gateway Worker and the origins in workerd (Miniflare), autocannon on
//    GET /api/v2/inventory/SKU-RED-MUG (REST → REST) and GET /api/v2/stock/SKU-RED-MUG
//    (REST → Connect binary → JSON): the same D1 row; cache and coalescing off, so
//    every request reaches the origin; the req/s ratio of the two.
import autocannon from 'autocannon'
import { build } from 'esbuild'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { gatewayWorker, ROOT, startOriginServers } from '../scripts/origins.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

function load(url, duration = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration }, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

function line(label, r) {
  const bad = r.non2xx + r.errors + r.timeouts
  console.log(
    `${label.padEnd(34)} req/s ${r.requests.average.toFixed(0).padStart(6)}   ` +
      `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}`,
  )
  if (bad > 0) throw new Error(`${label}: ${bad} failed requests`)
  return r.requests.average
}

export async function benchRpc() {
  const outfile = path.join(ROOT, '.wrangler', 'bench', 'rpc-micro.mjs')
  await build({ entryPoints: [path.join(ROOT, 'bench', 'rpc-micro.ts')], outfile, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' })
  console.log('REST → Connect transcoding, in process — Node, one core')
  await (await import(pathToFileURL(outfile).href)).run(Number(process.env.BENCH_ITERATIONS ?? 5_000))

  const gateway = await gatewayWorker({
    bindings: { SWITCHYARD_RATE_LIMIT: 'off', SWITCHYARD_CACHE: 'off', SWITCHYARD_COALESCE: 'off' },
  })
  const servers = await startOriginServers({ extraWorkers: [gateway], quiet: true })
  try {
    const base = servers.urls.gateway
    const [rest, rpc] = await Promise.all([
      fetch(`${base}/api/v2/inventory/SKU-RED-MUG`).then((r) => r.json()),
      fetch(`${base}/api/v2/stock/SKU-RED-MUG`).then((r) => r.json()),
    ])
    if (JSON.stringify(rest) !== JSON.stringify(rpc)) throw new Error(`rows differ: ${JSON.stringify(rest)} vs ${JSON.stringify(rpc)}`)
    await load(`${base}/api/v2/stock/SKU-RED-MUG`, 2) // warm-up, both routes compiled
    await load(`${base}/api/v2/inventory/SKU-RED-MUG`, 2)
    console.log(`REST → REST vs REST → Connect — ${CONNECTIONS} connections, ${SECONDS} s each, loopback`)
    const restRps = line('GET /api/v2/inventory/:sku (REST)', await load(`${base}/api/v2/inventory/SKU-RED-MUG`))
    const rpcRps = line('GET /api/v2/stock/:sku (Connect)', await load(`${base}/api/v2/stock/SKU-RED-MUG`))
    console.log(`ratio Connect/REST req/s: ${(rpcRps / restRps).toFixed(2)}`)
  } finally {
    await servers.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchRpc()
