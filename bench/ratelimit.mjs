// Rate-limit bench (loopback only, bounded): a real redis-server behind the Upstash bridge,
// the gateway Worker in workerd four times over — not limited, one policy, three policies,
// and a caller already denied — each driven by autocannon against a public route (no
// token: callers are their addresses, and token verification is not part of the figure).
// Reports Redis round trips per request (counted by redis-server itself, INFO
// commandstats) and the latency that limiting adds to the not-limited gateway. The bridge
// runs in its own process so it does not share an event loop with autocannon.
//
//   node bench/ratelimit.mjs            (BENCH_SECONDS, BENCH_CONNECTIONS as in run.mjs)
import autocannon from 'autocannon'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { freePort } from '../scripts/deno-gateway.mjs'
import { gatewayWorker, ROOT, startOriginServers } from '../scripts/origins.mjs'
import { findRedisServer, startRedisServer } from '../scripts/redis-server.mjs'
import { spawnBridge } from './lib.mjs'

const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const TOKEN = 'bench-token'
const ROOMY = { quota: 1_000_000, window: 60 } // never reached: every request is admitted
const PATH = '/api/v2/inventory/SKU-RED-MUG'

const VARIANTS = [
  { name: 'none', label: 'no limiting', rateLimit: 'off' },
  { name: 'one', label: '1 policy', rateLimit: { policies: [{ name: 'burst', ...ROOMY }] } },
  {
    name: 'three',
    label: '3 policies',
    rateLimit: {
      policies: [
        { name: 'burst', ...ROOMY },
        { name: 'sustained', ...ROOMY },
        { name: 'per-service', scope: 'service', ...ROOMY },
      ],
    },
  },
  // One caller over its quota: after the first denial, the deny cache answers.
  { name: 'blocked', label: 'denied (cached)', rateLimit: { policies: [{ name: 'tiny', quota: 1, window: 3600 }] }, oneCaller: true },
]

function load(url, oneCaller) {
  let n = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: DURATION,
        // Many callers (as the edge would set CF-Connecting-IP), or one.
        requests: [
          {
            setupRequest: (req) => {
              n += 1
              const ip = oneCaller ? '198.51.100.1' : `10.0.${(n >> 8) & 255}.${n & 255}`
              return { ...req, headers: { ...req.headers, 'cf-connecting-ip': ip } }
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

/** The limiter's Lua source, read from src/ratelimit/script.ts (the one template literal there). */
async function limiterScript() {
  const source = await readFile(path.join(ROOT, 'src', 'ratelimit', 'script.ts'), 'utf8')
  return /SLIDING_WINDOW_SCRIPT = `([^`]*)`/.exec(source)[1]
}

/** One limiter decision straight at the bridge, no gateway: the floor of what limiting adds. */
function loadBridge(bridge, sha) {
  let n = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: bridge.url,
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        connections: CONNECTIONS,
        duration: DURATION,
        requests: [
          {
            setupRequest: (req) => {
              n += 1
              const body = JSON.stringify(['EVALSHA', sha, 1, `bench:{10.0.${(n >> 8) & 255}.${n & 255}}:burst`, `m${n}`, 1_000_000, 60_000])
              return { ...req, body }
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

/** Limiter script calls redis-server ran since the last CONFIG RESETSTAT. */
async function scriptCalls(bridge) {
  const info = await bridge.command(['INFO', 'commandstats'])
  let calls = 0
  for (const name of ['evalsha', 'eval']) calls += Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
  return calls
}

if (!findRedisServer()) {
  console.log('rate-limit bench skipped: redis-server not found (apt-get install redis-server)')
} else {
  const redis = await startRedisServer({ port: await freePort() })
  const bridge = await spawnBridge(redis.url, TOKEN)
  const gateways = []
  for (const v of VARIANTS) {
    gateways.push(
      await gatewayWorker({
        name: `switchyard-gateway-rl-${v.name}`,
        bindings: {
          UPSTASH_REDIS_REST_URL: bridge.url,
          UPSTASH_REDIS_REST_TOKEN: TOKEN,
          SWITCHYARD_RATE_LIMIT: typeof v.rateLimit === 'string' ? v.rateLimit : JSON.stringify(v.rateLimit),
        },
      }),
    )
  }
  const servers = await startOriginServers({ extraWorkers: gateways, quiet: true })
  try {
    console.log(`\nrate limiting — GET ${PATH}, ${CONNECTIONS} connections, ${DURATION} s each, loopback, real redis-server`)
    const rows = []
    for (const v of VARIANTS) {
      const url = `${servers.urls[`gateway-rl-${v.name}`]}${PATH}`
      await load(url, v.oneCaller) // warm-up (script load, connections, JIT)
      await bridge.command(['CONFIG', 'RESETSTAT'])
      const r = await load(url, v.oneCaller)
      const requests = r.requests.total
      const trips = (await scriptCalls(bridge)) / Math.max(requests, 1)
      const statuses = `2xx ${r['2xx']}  429 ${r.non2xx}  errors ${r.errors + r.timeouts}`
      rows.push({ v, mean: r.latency.mean, p50: r.latency.p50, p99: r.latency.p99 })
      console.log(
        `${v.label.padEnd(16)} req/s ${r.requests.average.toFixed(0).padStart(6)}   mean ${r.latency.mean.toFixed(2).padStart(6)} ms   ` +
          `p50 ${String(r.latency.p50).padStart(5)} ms   ` +
          `p99 ${String(r.latency.p99).padStart(5)} ms   redis round trips/request ${trips.toFixed(3)}   ${statuses}`,
      )
    }
    const sha = await bridge.command(['SCRIPT', 'LOAD', await limiterScript()])
    await loadBridge(bridge, sha)
    const direct = await loadBridge(bridge, sha)
    console.log(
      `${'bridge alone'.padEnd(16)} req/s ${direct.requests.average.toFixed(0).padStart(6)}   mean ${direct.latency.mean.toFixed(2).padStart(6)} ms   ` +
        `p50 ${String(direct.latency.p50).padStart(5)} ms   ` +
        `p99 ${String(direct.latency.p99).padStart(5)} ms   (one limiter EVALSHA, Node HTTP bridge + redis-server, no gateway)`,
    )
    const base = rows[0]
    for (const row of rows.slice(1)) {
      console.log(
        `added by ${row.v.label.padEnd(16)} mean ${(row.mean - base.mean).toFixed(2).padStart(6)} ms   ` +
          `p50 ${(row.p50 - base.p50).toFixed(2).padStart(6)} ms   p99 ${(row.p99 - base.p99).toFixed(2).padStart(6)} ms`,
      )
    }
  } finally {
    await servers.dispose()
    bridge.stop()
    await redis.stop()
  }
}
