// Rate-limit bench (loopback only, bounded): a real redis-server behind the Upstash bridge
// (its own process), and the gateway Worker in workerd as five instances — not limited;
// two sharing a policy of 100 per minute (the store's defaults: 100 ms timeout, failing
// open); two sharing a policy no burst reaches. For each concurrency level (1, 10, 100,
// 500, 2000 requests in flight at once, spread over two instances, one caller):
//   - exactness: admitted vs the quota, 429s, fail-open decisions (from both instances'
//     /health/ready), Redis script runs and REST calls per request (redis-server's own
//     INFO commandstats, the bridge's counts);
//   - cost: p50/p99 of the roomy pair minus the same burst at the not-limited instance;
//   - the floor: the same number of limiter script runs sent straight to the bridge.
// Each request is a separate HTTP request (its own request context in workerd).
//
//   node bench/ratelimit.mjs            (BENCH_LEVELS=1,10,100 to choose levels)
import http from 'node:http'
import { freePort } from '../scripts/deno-gateway.mjs'
import { gatewayWorker, startOriginServers } from '../scripts/origins.mjs'
import { findRedisServer, startRedisServer } from '../scripts/redis-server.mjs'
import { spawnBridge } from '../scripts/upstash-bridge.mjs'
import { importBundled, quantile } from './lib.mjs'

const LEVELS = (process.env.BENCH_LEVELS ?? '1,10,100,500,2000').split(',').map(Number)
const TOKEN = 'bench-token'
const QUOTA = 100
const PATH = '/api/v2/inventory/SKU-RED-MUG'
/** No request waits longer than this (bounded run). */
const REQUEST_TIMEOUT_MS = 60_000

const policy = (quota) => JSON.stringify({ policies: [{ name: 'burst-check', quota, window: 60 }] })
const VARIANTS = {
  none: 'off',
  'limited-a': policy(QUOTA),
  'limited-b': policy(QUOTA),
  'roomy-a': policy(1_000_000),
  'roomy-b': policy(1_000_000),
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })

/** One GET; resolves with its status and milliseconds. */
function get(url, headers) {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }))
  })
}

/** `count` requests at once from one caller, alternating between `bases`. */
async function burst(bases, count, ip) {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => get(`${bases[i % bases.length]}${PATH}`, { 'cf-connecting-ip': ip })),
  )
  const statuses = {}
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1
  const times = results.map((r) => r.ms).sort((a, b) => a - b)
  return { statuses, p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
}

async function failOpenTotal(bases) {
  let total = 0
  for (const base of bases) {
    const res = await fetch(`${base}/health/ready`)
    total += (await res.json()).rate_limit?.fail_open_total ?? 0
  }
  return total
}

async function lastStoreErrors(bases) {
  const errors = []
  for (const base of bases) {
    const error = (await (await fetch(`${base}/health/ready`)).json()).rate_limit?.last_error
    if (error) errors.push(error)
  }
  return errors
}

async function scriptRuns(bridge) {
  const info = await bridge.command(['INFO', 'commandstats'])
  let calls = 0
  for (const name of ['evalsha', 'eval']) calls += Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
  return calls
}

/** The limiter's own script and argument layout, bundled from src/ratelimit/script.ts. */
const { SLIDING_WINDOW_SCRIPT, batchArgs } = await importBundled(
  'ratelimit-script',
  "export { SLIDING_WINDOW_SCRIPT, batchArgs } from './src/ratelimit/script'",
  { target: 'node' },
)

/** `count` single-decision script runs at once, straight at the bridge: the floor. */
async function bridgeAlone(bridge, sha, count, round) {
  const body = (i) => {
    const { keys, args } = batchArgs([
      { checks: [{ key: `bench:{floor-${round}-${i}}:burst`, quota: QUOTA, windowMs: 60_000 }], member: `m${i}`, deadline: 0 },
    ])
    return JSON.stringify(['EVALSHA', sha, keys.length, ...keys, ...args])
  }
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const started = performance.now()
      return new Promise((resolve) => {
        const req = http.request(bridge.url, { method: 'POST', agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.resume()
          res.on('end', () => resolve(performance.now() - started))
        })
        req.on('error', () => resolve(performance.now() - started))
        req.end(body(i))
      })
    }),
  )
  const times = results.sort((a, b) => a - b)
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
}

const fmt = (ms) => ms.toFixed(1).padStart(7)

if (!findRedisServer()) {
  console.log('rate-limit bench skipped: redis-server not found (apt-get install redis-server)')
} else {
  const redis = await startRedisServer({ port: await freePort() })
  const bridge = await spawnBridge({ redisUrl: redis.url, token: TOKEN, port: await freePort() })
  const workers = []
  for (const [name, rateLimit] of Object.entries(VARIANTS)) {
    workers.push(
      await gatewayWorker({
        name: `switchyard-gateway-rl-${name}`,
        bindings: {
          UPSTASH_REDIS_REST_URL: bridge.url,
          UPSTASH_REDIS_REST_TOKEN: TOKEN,
          SWITCHYARD_RATE_LIMIT: rateLimit,
          // Every admitted request reaches the origin: no sharing of identical GETs.
          SWITCHYARD_COALESCE: 'off',
          // Nor any answer from the response cache (the route is cacheable).
          SWITCHYARD_CACHE: 'off',
        },
      }),
    )
  }
  const servers = await startOriginServers({ extraWorkers: workers, quiet: true })
  const url = (name) => servers.urls[`gateway-rl-${name}`]
  const limited = [url('limited-a'), url('limited-b')]
  const roomy = [url('roomy-a'), url('roomy-b')]
  try {
    // Warm-up: isolates compiled, the script loaded, connections open.
    for (let i = 0; i < 3; i++) {
      await burst([url('none'), ...limited, ...roomy], 50, `198.51.100.${200 + i}`)
    }
    const sha = await bridge.command(['SCRIPT', 'LOAD', SLIDING_WINDOW_SCRIPT])
    console.log(
      `\nrate limiting under bursts — GET ${PATH}, one caller, policy q=${QUOTA};w=60 (default timeout 100 ms, failing open), ` +
        `two gateway instances sharing one redis-server through the bridge, loopback`,
    )
    console.log(
      'in flight   admitted/quota   429   fail-open   script runs/req   REST calls/req   ' +
        'unlimited p50/p99 ms   added p50/p99 ms   bridge alone p50/p99 ms',
    )
    let round = 0
    for (const level of LEVELS) {
      round += 1
      const before = { runs: await scriptRuns(bridge), failOpen: await failOpenTotal(limited) }
      await bridge.control('DELETE', 'stats')
      const exact = await burst(limited, level, `10.1.${round}.1`)
      const calls = (await bridge.control('GET', 'stats')).requests
      const runs = (await scriptRuns(bridge)) - before.runs
      const failOpen = (await failOpenTotal(limited)) - before.failOpen
      const lastErrors = failOpen > 0 ? await lastStoreErrors(limited) : []
      const base = await burst([url('none')], level, `10.2.${round}.1`)
      const cost = await burst(roomy, level, `10.3.${round}.1`)
      const floor = await bridgeAlone(bridge, sha, level, round)
      const admitted = exact.statuses[200] ?? 0
      const other = level - admitted - (exact.statuses[429] ?? 0)
      console.log(
        `${String(level).padStart(9)}   ${`${admitted}/${Math.min(level, QUOTA)}`.padStart(14)}   ${String(exact.statuses[429] ?? 0).padStart(4)}` +
          `   ${String(failOpen).padStart(9)}   ${(runs / level).toFixed(3).padStart(15)}   ${(calls / level).toFixed(3).padStart(14)}` +
          `   ${fmt(base.p50)} /${fmt(base.p99)}   ${fmt(cost.p50 - base.p50)} /${fmt(cost.p99 - base.p99)}   ${fmt(floor.p50)} /${fmt(floor.p99)}` +
          (other > 0 ? `   (other statuses: ${JSON.stringify(exact.statuses)})` : '') +
          (lastErrors.length > 0 ? `   (last store errors: ${lastErrors.join('; ')})` : ''),
      )
    }
  } finally {
    agent.destroy()
    await servers.dispose()
    bridge.stop()
    await redis.stop()
  }
}
