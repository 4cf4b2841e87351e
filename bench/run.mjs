// `npm run bench`: loopback-only, bounded load. The gateway Worker and the origins run
// in one workerd (Miniflare), each on its own loopback port; autocannon drives
// `GET /api/v2/users/1` direct to the users origin, then through the gateway.
import autocannon from 'autocannon'
import { gatewayWorker, startOriginServers } from '../scripts/origins.mjs'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

function load(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: DURATION }, (err, result) =>
      err ? reject(err) : resolve(result),
    )
  })
}

function summary(label, r) {
  const bad = r.non2xx + r.errors + r.timeouts
  console.log(
    `${label.padEnd(8)} req/s ${r.requests.average.toFixed(0).padStart(6)}   ` +
      `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}`,
  )
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

// Not rate limited here: this measures proxying (bench/ratelimit.mjs measures limiting).
const servers = await startOriginServers({ extraWorkers: [await gatewayWorker({ bindings: { SWITCHYARD_RATE_LIMIT: 'off' } })] })
try {
  console.log(`GET /api/v2/users/1 — ${CONNECTIONS} connections, ${DURATION} s each, loopback`)
  await load(`${servers.urls.users}/users/1`) // warm-up of both isolates' code paths
  const direct = summary('direct', await load(`${servers.urls.users}/users/1`))
  const gateway = summary('gateway', await load(`${servers.urls.gateway}/api/v2/users/1`))
  console.log(
    `ratio gateway/direct: req/s ${(gateway.rps / direct.rps).toFixed(2)}   ` +
      `p50 ${(gateway.p50 / Math.max(direct.p50, 1)).toFixed(2)}   p99 ${(gateway.p99 / Math.max(direct.p99, 1)).toFixed(2)}`,
  )
} finally {
  await servers.dispose()
}

// Rate limiting on a real redis-server (bench/ratelimit.mjs).
await import('./ratelimit.mjs')
