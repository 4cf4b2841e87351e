// `npm run bench`: loopback-only, bounded load. The gateway Worker and the origins run
// in one workerd (Miniflare), each on its own loopback port; autocannon drives
// `GET /api/v2/users/1` direct to the users origin, then through the gateway (which
// verifies the admin's access token on every request). Coalescing and the response
// cache are off and every request has its own URL (`?n=<unique id>`), so every one
// reaches the origin: the origin's own call count is printed next to the 2xx count.
// Then the parts below (resilience, auth, tracing, rate limiting, aggregation) and
// `npm run bench:peers` (bench/peers.mjs) for the comparison with other gateways.
import autocannon from 'autocannon'
import { gatewayWorker, startOriginServers } from '../scripts/origins.mjs'
import { runAuthBench } from './auth.mjs'
import { adminToken } from './lib.mjs'
import { benchVersioning } from './versioning.mjs'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

function load(url, { duration = DURATION, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: CONNECTIONS, duration, idReplacement: true }, (err, result) =>
      err ? reject(err) : resolve(result),
    )
  })
}

function summary(label, r, originCalls) {
  const bad = r.non2xx + r.errors + r.timeouts
  console.log(
    `${label.padEnd(8)} req/s ${r.requests.average.toFixed(0).padStart(6)}   ` +
      `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}   ` +
      `2xx ${r['2xx']}, origin calls ${originCalls}`,
  )
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

const servers = await startOriginServers({
  // Not rate limited here: this measures proxying (bench/ratelimit.mjs measures limiting).
  // Nothing shared or cached: every request reaches the origin.
  extraWorkers: [
    await gatewayWorker({
      bindings: { SWITCHYARD_RATE_LIMIT: 'off', SWITCHYARD_COALESCE: 'off', SWITCHYARD_CACHE: 'off' },
    }),
  ],
  quiet: true,
})
try {
  console.log(`GET /api/v2/users/1 — ${CONNECTIONS} connections, ${DURATION} s each, loopback`)
  const auth = { authorization: `Bearer ${await adminToken(servers.urls.gateway)}` }
  // Direct, the origin gets what the gateway would send it for the admin (trusted as is:
  // this origin has no IDENTITY_SECRET, as behind service bindings).
  const identity = { 'x-switchyard-subject': '2', 'x-switchyard-roles': 'admin', 'x-switchyard-scopes': 'users:read' }
  const originCalls = async (run) => {
    const stats = `${servers.urls.users}/__faults/stats`
    await fetch(stats, { method: 'DELETE' })
    const result = await run()
    return [result, (await (await fetch(stats)).json()).byPath['/users/1'] ?? 0]
  }
  // Warm-up: both isolates compiled and D1 cached before anything is measured.
  await load(`${servers.urls.gateway}/api/v2/users/1?n=[<id>]`, { duration: 2, headers: auth })
  const direct = summary('direct', ...(await originCalls(() => load(`${servers.urls.users}/users/1?n=[<id>]`, { headers: identity }))))
  const gateway = summary(
    'gateway',
    ...(await originCalls(() => load(`${servers.urls.gateway}/api/v2/users/1?n=[<id>]`, { headers: auth }))),
  )
  console.log(
    `ratio gateway/direct: req/s ${(gateway.rps / direct.rps).toFixed(2)}   ` +
      `p50 ${(gateway.p50 / Math.max(direct.p50, 1)).toFixed(2)}   p99 ${(gateway.p99 / Math.max(direct.p99, 1)).toFixed(2)}`,
  )
  await benchVersioning(servers.urls.gateway)
} finally {
  await servers.dispose()
}

// Resilience: overhead of the decorator stack and the open-breaker fast path.
console.log()
const { runResilienceBench } = await import('./resilience.mjs')
await runResilienceBench()

// Identity: access-token verification with a warm key cache.
console.log()
await runAuthBench()

// Tracing: overhead per request with export off and on.
console.log()
const { runTracingBench } = await import('./tracing.mjs')
await runTracingBench()

// Rate limiting on a real redis-server (bench/ratelimit.mjs).
console.log()
await import('./ratelimit.mjs')

// Idempotency keys: the check per keyed POST, memory and Redis, new key and replay.
console.log()
const { runIdempotencyBench } = await import('./idempotency.mjs')
await runIdempotencyBench()

// Aggregation: three parts in parallel vs the slowest alone, and the merge overhead.
console.log()
await import('./aggregate.mjs')

// Cold start: module evaluation + createGateway, in Node and in a fresh workerd.
console.log()
const { runColdStartBench } = await import('./coldstart.mjs')
await runColdStartBench()

// Pipeline cost in process: Switchyard's chain vs a bare Hono proxy().
console.log()
const { runPipelineBench } = await import('./pipeline.mjs')
await runPipelineBench()

// Protocol conversion: REST → Connect binary vs REST → REST, in process and under load.
console.log()
const { benchRpc } = await import('./rpc.mjs')
await benchRpc()

// The order saga: POST → final state over the origins' queues, and orders per second.
console.log()
const { runSagaBench } = await import('./saga.mjs')
await runSagaBench()
