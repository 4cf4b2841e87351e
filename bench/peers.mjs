// `npm run bench:peers`: Switchyard beside its peers, loopback only, bounded
// (defaults: 2 rounds × 12 cells × 5 s + 1 s warm-up each ≈ 2½ min plus start-up).
//
//   npm run bench:peers
//   BENCH_PEERS_SECONDS=5 BENCH_PEERS_ROUNDS=2 BENCH_CONNECTIONS=10 npm run bench:peers
//
// Targets, all against the same origin routes (the users and inventory origin Workers
// in one workerd, each on its own direct socket): the origin itself; nginx (when
// installed, a native floor); a ~20-line Hono proxy() gateway (bench/peers/hono-proxy.ts)
// and Switchyard, each both in that workerd (Miniflare direct sockets, reaching the
// origins through service bindings as deployed) and under `deno serve` (origins at URLs).
// Routes: token = GET /api/v2/users/1 (Switchyard verifies the admin's ES256 token;
// the others pass identity headers through), public = GET /api/v2/inventory/SKU-RED-MUG.
// Switchyard runs with coalescing and the response cache off and the memory limiter
// with two policies; every request has a distinct URL (?n=<unique id>), and the origin's
// own call counter is printed next to the 2xx count, so nothing is served from a share.
// Cells are interleaved (round after round, every target in turn) so drift in machine
// load spreads over all targets. req/s: all rounds' requests / their seconds; p50 and
// p99 (ms): the median over rounds; the token route's ratio is also printed per round.
// Results: docs/bench/peers.json (or BENCH_PEERS_OUT), chart: docs/bench/peers.svg.
import autocannon from 'autocannon'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { ROOT } from '../scripts/origins.mjs'
import { adminToken, median } from './lib.mjs'
import { chartSvg } from './peers/chart.mjs'
import { startTargets } from './peers/targets.mjs'

const SECONDS = Number(process.env.BENCH_PEERS_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_PEERS_ROUNDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const OUT_DIR = process.env.BENCH_PEERS_OUT ?? path.join(ROOT, 'docs', 'bench')

// The seeded admin (user 2) as the gateway would describe it to the origin.
const ADMIN_IDENTITY = { 'x-switchyard-subject': '2', 'x-switchyard-roles': 'admin', 'x-switchyard-scopes': 'users:read' }
const ROUTES = {
  token: { gateway: '/api/v2/users/1', origin: '/users/1', service: 'users' },
  public: { gateway: '/api/v2/inventory/SKU-RED-MUG', origin: '/inventory/SKU-RED-MUG', service: 'inventory' },
}

const load = (opts) =>
  new Promise((resolve, reject) =>
    autocannon({ connections: CONNECTIONS, idReplacement: true, ...opts }, (err, r) => (err ? reject(err) : resolve(r))),
  )

const targets = await startTargets()
try {
  const token = await adminToken(targets.urls.gateway)
  const originUrl = (service, target) =>
    target === 'switchyard (deno)' && service === 'users' ? targets.urls['users-signed'] : targets.urls[service]
  const stats = async (service, target, method = 'GET') =>
    (await fetch(`${originUrl(service, target)}/__faults/stats`, { method })).json().catch(() => ({}))

  /** What autocannon sends for one cell: distinct URLs, the right credentials. */
  const request = (target, routeName) => {
    const route = ROUTES[routeName]
    const base = targets.bases[target]
    if (target === 'origin') {
      return { url: `${base[route.service]}${route.origin}?n=[<id>]`, headers: routeName === 'token' ? ADMIN_IDENTITY : {} }
    }
    const auth = target.startsWith('switchyard') ? { authorization: `Bearer ${token}` } : ADMIN_IDENTITY
    return { url: `${base}${route.gateway}?n=[<id>]`, headers: routeName === 'token' ? auth : {} }
  }

  const names = Object.keys(targets.bases)
  const cells = Object.keys(ROUTES).flatMap((route) => names.map((target) => ({ target, route, runs: [] })))
  console.log(
    `bench:peers — ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s per cell, loopback, ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  )
  for (const cell of cells) await load({ ...request(cell.target, cell.route), duration: 1 }) // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const cell of cells) {
      const { service, origin } = ROUTES[cell.route]
      await stats(service, cell.target, 'DELETE')
      const r = await load({ ...request(cell.target, cell.route), duration: SECONDS })
      const calls = (await stats(service, cell.target)).byPath?.[origin] ?? 0
      cell.runs.push({ r, calls })
    }
  }

  const rows = cells.map(({ target, route, runs }) => ({
    target,
    route,
    rps: runs.reduce((s, { r }) => s + r.requests.total, 0) / runs.reduce((s, { r }) => s + r.duration, 0),
    p50: median(runs.map(({ r }) => r.latency.p50)),
    p99: median(runs.map(({ r }) => r.latency.p99)),
    ok: runs.reduce((s, { r }) => s + r['2xx'], 0),
    failed: runs.reduce((s, { r }) => s + r.non2xx + r.errors + r.timeouts, 0),
    originCalls: runs.reduce((s, { calls }) => s + calls, 0),
  }))
  console.log(`${'target'.padEnd(22)}${'route'.padEnd(8)}${'req/s'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}   2xx / origin calls / failed`)
  for (const row of rows) {
    console.log(
      `${row.target.padEnd(22)}${row.route.padEnd(8)}${row.rps.toFixed(0).padStart(8)}${String(row.p50).padStart(9)}` +
        `${String(row.p99).padStart(9)}   ${row.ok} / ${row.originCalls} / ${row.failed}`,
    )
  }
  const find = (target, route) => rows.find((r) => r.target === target && r.route === route)
  const cellOf = (target) => cells.find((cell) => cell.target === target && cell.route === 'token')
  const rpsOf = ({ r }) => r.requests.total / r.duration
  const ratio = (runtime) => {
    const sy = find(`switchyard (${runtime})`, 'token')
    const hono = find(`hono-proxy (${runtime})`, 'token')
    // Each round's own ratio: how far one run's figure moves with the machine.
    const [syRuns, honoRuns] = [cellOf(`switchyard (${runtime})`).runs, cellOf(`hono-proxy (${runtime})`).runs]
    const rounds = syRuns.map((run, i) => rpsOf(run) / rpsOf(honoRuns[i]))
    return { rps: sy.rps / hono.rps, p50: sy.p50 - hono.p50, rounds }
  }
  const fmt = ({ rps, p50 }) => `req/s ${rps.toFixed(2)}, p50 ${p50 >= 0 ? '+' : ''}${p50.toFixed(2)} ms`
  const deno = ratio('deno')
  const workerd = ratio('workerd')
  const results = {
    meta: {
      title: 'Switchyard beside its peers (npm run bench:peers)',
      subtitle:
        `${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s per cell, loopback, every request reaches the origin; ` +
        `load avg ${loadavg()[0].toFixed(2)} · ${new Date().toISOString().slice(0, 10)}`,
      date: new Date().toISOString(),
      node: process.version,
      loadavg: loadavg(),
      connections: CONNECTIONS,
      rounds: ROUNDS,
      seconds: SECONDS,
    },
    rows,
    ratios: { deno, workerd },
  }
  mkdirSync(OUT_DIR, { recursive: true })
  writeFileSync(path.join(OUT_DIR, 'peers.json'), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(path.join(OUT_DIR, 'peers.svg'), chartSvg(results))
  console.log(`results: ${path.relative(ROOT, path.join(OUT_DIR, 'peers.json'))}, chart: ${path.relative(ROOT, path.join(OUT_DIR, 'peers.svg'))}`)
  console.log(`switchyard/hono-proxy (deno, token route): ${fmt(deno)}`)
  console.log(`switchyard/hono-proxy per round (token route, workerd): req/s ${workerd.rounds.map((r) => r.toFixed(2)).join(', ')}`)
  // The headline: both in workerd, as deployed on Workers.
  console.log(`switchyard/hono-proxy: ${fmt(workerd)}`)
} finally {
  await targets.stop()
}
