// `node bench/saga.mjs` (also run by `npm run bench`): the order saga's latency from
// POST /api/v2/orders to the order's final state, and orders per second. The gateway
// and the five origins run in one workerd (Miniflare) with their real queues and D1,
// batches cut at once as deployed (max_batch_timeout = 0), on loopback.
// - async: POST with `Prefer: respond-async` (202), then GET the order every 5 ms until
//   it is no longer pending: latency = POST sent → final state seen.
// - sync: POST without the preference (the origin waits for the outcome): one request.
// - baseline: GET /api/v2/orders/{id} of a finished order, same connections, same run.
// Bounded: BENCH_SAGA_ORDERS per mode (default 120), BENCH_SAGA_CONCURRENCY in flight
// (default 8), at most 2000 polls per order.
import { performance } from 'node:perf_hooks'
import { gatewayWorker, startOriginServers } from '../scripts/origins.mjs'
import { quantile } from './lib.mjs'

const ORDERS = Number(process.env.BENCH_SAGA_ORDERS ?? 120)
const CONCURRENCY = Number(process.env.BENCH_SAGA_CONCURRENCY ?? 8)
const MAX_POLLS = 2000
// Enough stock for every order of every mode: 1 unit each, spread over the SKUs with the most.
const SKUS = ['SKU-YELLOW-SOCKS', 'SKU-GREEN-TEE', 'SKU-BLUE-CAP']

async function login(base) {
  const res = await fetch(`${base}/api/v2/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', password: 'ada-dev-password' }),
  })
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`)
  return `Bearer ${(await res.json()).access_token}`
}

/** Runs `task(i)` for i < n with at most `limit` in flight; returns each task's result. */
async function pool(n, limit, task) {
  const results = new Array(n)
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++
        results[i] = await task(i)
      }
    }),
  )
  return results
}

function summary(label, samples, wallMs) {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b)
  const states = {}
  for (const s of samples) states[s.state] = (states[s.state] ?? 0) + 1
  const row = { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), perSecond: (samples.length / wallMs) * 1000 }
  console.log(
    `${label.padEnd(9)} p50 ${row.p50.toFixed(1).padStart(7)} ms   p99 ${row.p99.toFixed(1).padStart(7)} ms   ` +
      `${row.perSecond.toFixed(1).padStart(6)} /s   ${JSON.stringify(states)}`,
  )
  return row
}

export async function runSagaBench() {
  const servers = await startOriginServers({
    extraWorkers: [await gatewayWorker({ bindings: { SWITCHYARD_RATE_LIMIT: 'off' } })],
    quiet: true,
    queueBatchTimeout: 0,
  })
  try {
    const base = servers.urls.gateway
    const auth = await login(base)
    const headers = { authorization: auth, 'content-type': 'application/json' }
    const body = (i) => JSON.stringify({ user_id: 1, currency: 'EUR', items: [{ sku: SKUS[i % SKUS.length], quantity: 1 }] })
    const getOrder = async (id) => (await fetch(`${base}/api/v2/orders/${id}`, { headers: { authorization: auth } })).json()

    const asyncOrder = async (i) => {
      const started = performance.now()
      const res = await fetch(`${base}/api/v2/orders`, { method: 'POST', headers: { ...headers, prefer: 'respond-async' }, body: body(i) })
      if (res.status !== 202) throw new Error(`async POST answered ${res.status}: ${await res.text()}`)
      const { id } = await res.json()
      for (let poll = 0; poll < MAX_POLLS; poll++) {
        const order = await getOrder(id)
        if (order.status !== 'pending') return { ms: performance.now() - started, state: order.status, id }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return { ms: performance.now() - started, state: 'still-pending', id }
    }
    const syncOrder = async (i) => {
      const started = performance.now()
      const res = await fetch(`${base}/api/v2/orders`, { method: 'POST', headers, body: body(i) })
      const order = await res.json()
      return { ms: performance.now() - started, state: `${res.status} ${order.status ?? order.type}`, id: order.id }
    }

    // Warm-up: every isolate compiled, every queue consumer started.
    await pool(6, 3, asyncOrder)
    console.log(`order saga — ${ORDERS} orders per mode, ${CONCURRENCY} in flight, loopback`)
    let started = performance.now()
    const asyncRuns = await pool(ORDERS, CONCURRENCY, asyncOrder)
    const asyncRow = summary('async', asyncRuns, performance.now() - started)
    started = performance.now()
    const syncRow = summary('sync', await pool(ORDERS, CONCURRENCY, syncOrder), performance.now() - started)
    started = performance.now()
    const reads = await pool(ORDERS, CONCURRENCY, async (i) => {
      const t = performance.now()
      const order = await getOrder(asyncRuns[i].id)
      return { ms: performance.now() - t, state: order.status }
    })
    const readRow = summary('GET order', reads, performance.now() - started)
    console.log(
      `ratio saga/GET: p50 async ${(asyncRow.p50 / readRow.p50).toFixed(1)}×, sync ${(syncRow.p50 / readRow.p50).toFixed(1)}×`,
    )
  } finally {
    await servers.dispose()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runSagaBench()
