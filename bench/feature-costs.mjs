// What each of Switchyard's per-request features costs in workerd, over HTTP, bounded
// by count. One workerd (Miniflare) runs a stub origin (a constant JSON body, and the
// JWKS its tokens are signed with), a bare Hono proxy() in front of it
// (bench/peers/hono-proxy.ts) and copies of the gateway (bench/feature-costs-entry.ts:
// app/worker.ts's config from the same environment as `npm run bench:peers`) that
// differ in one feature switched off: the access log line, tracing, rate limits. Each
// target gets the same requests on its own direct socket (distinct URLs, 10 connections),
// round after round, every target in turn; the figure is the CPU time workerd spent per
// request (all its threads, /proc), the stub's work included. A feature's cost is the
// gateway's figure minus the figure without it, paired by round (mean of the middle half
// of the rounds). The stub keeps the origin's share small and steady, so what remains is
// the gateways' own; bench:peers has the real origins. Linux only.
//
//   node bench/feature-costs.mjs     (BENCH_COSTS_ROUNDS, default 10; BENCH_COSTS_REQUESTS
//                                     per target and round, default 2000; BENCH_COSTS_ROUTE
//                                     token | public, default token)
import autocannon from 'autocannon'
import { build } from 'esbuild'
import { exportJWK, generateKeyPair } from 'jose'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { COMPATIBILITY_DATE, ROOT, SERVICES, WORKER_BUILD, gatewayWorker } from '../scripts/origins.mjs'
import { signBenchToken } from './bench-token.ts'
import { workerdCpuMs } from './lib.mjs'
import { SWITCHYARD_VARS } from './peers/targets.mjs'

const ROUNDS = Number(process.env.BENCH_COSTS_ROUNDS ?? 10)
const REQUESTS = Number(process.env.BENCH_COSTS_REQUESTS ?? 2000)
const ROUTE = process.env.BENCH_COSTS_ROUTE ?? 'token'
const PATHS = { token: '/api/v2/users/1', public: '/api/v2/inventory/SKU-RED-MUG' }
const OUT_DIR = path.join(ROOT, '.wrangler', 'bench', 'feature-costs')

/** The gateway copies: what each switches off. */
const GATEWAYS = [
  { name: 'switchyard', without: [] },
  { name: 'without-access-log', without: ['access-log'], feature: 'access log line' },
  { name: 'without-tracing', without: ['tracing'], feature: 'tracing (propagation, no export)' },
  { name: 'without-rate-limit', without: ['rate-limit'], feature: 'rate limits (memory, 2 policies)' },
  { name: 'without-all-three', without: ['access-log', 'tracing', 'rate-limit'], feature: 'all three' },
]

/** A token of the auth service's shape, signed by a key only the stub publishes. */
async function signedToken() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }
  const token = await signBenchToken(privateKey)
  return { token, jwks }
}

const stubScript = (jwks) => `const jwks = ${JSON.stringify(JSON.stringify(jwks))}
const body = JSON.stringify({ id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'customer' })
const json = { 'content-type': 'application/json' }
export default { fetch: (req) => new Response(req.url.endsWith('/.well-known/jwks.json') ? jwks : body, { headers: json }) }`

async function workers(jwks) {
  mkdirSync(OUT_DIR, { recursive: true })
  const stubPath = path.join(OUT_DIR, 'stub.js')
  writeFileSync(stubPath, stubScript(jwks))
  const toStub = Object.fromEntries([...SERVICES, 'docs_assets'].map((n) => [n.toUpperCase(), 'stub']))
  const gatewayPath = path.join(OUT_DIR, 'gateway.js')
  await build({ ...WORKER_BUILD, entryPoints: [path.join(ROOT, 'bench', 'feature-costs-entry.ts')], outfile: gatewayPath, minify: true })
  const honoPath = path.join(OUT_DIR, 'hono-proxy.js')
  await build({ ...WORKER_BUILD, entryPoints: [path.join(ROOT, 'bench', 'peers', 'hono-proxy.ts')], outfile: honoPath, minify: true })
  // As bench:peers deploys the gateway (flags, D1), bound to the stub instead of the origins.
  const deployed = await gatewayWorker({ bindings: SWITCHYARD_VARS, minify: true })
  return [
    { name: 'stub', modules: true, scriptPath: stubPath, compatibilityDate: COMPATIBILITY_DATE },
    { name: 'hono-proxy', modules: true, scriptPath: honoPath, compatibilityDate: COMPATIBILITY_DATE, serviceBindings: toStub },
    ...GATEWAYS.map((g) => ({
      ...deployed,
      name: g.name,
      scriptPath: gatewayPath,
      serviceBindings: toStub,
      bindings: { ...SWITCHYARD_VARS, BENCH_WITHOUT: g.without.join(',') },
    })),
  ].map((w) => ({ ...w, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }))
}

/** Mean of the middle half: a round disturbed by something else on the machine does not move it. */
function middleMean(xs) {
  const sorted = [...xs].sort((a, b) => a - b)
  const quarter = Math.floor(sorted.length / 4)
  const middle = sorted.slice(quarter, sorted.length - quarter)
  return middle.reduce((sum, x) => sum + x, 0) / middle.length
}

const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
const { token, jwks } = await signedToken()
const all = await workers(jwks)
const mf = new Miniflare(convertV4MiniflareOptions({ workers: all, handleStructuredLogs: () => {} }))
try {
  await mf.ready
  const targets = []
  for (const w of all) {
    const base = (await mf.unsafeGetDirectURL(w.name)).toString().replace(/\/$/, '')
    targets.push({ name: w.name, url: w.name === 'stub' ? `${base}/users/1?n=[<id>]` : `${base}${PATHS[ROUTE]}?n=[<id>]` })
  }
  const headers = ROUTE === 'token' ? { authorization: `Bearer ${token}` } : {}
  const load = (url, amount) =>
    new Promise((resolve, reject) =>
      autocannon({ url, headers, connections: 10, amount, idReplacement: true }, (err, r) => (err ? reject(err) : resolve(r))),
    )
  const perRequest = Object.fromEntries(targets.map((t) => [t.name, []]))
  const loadBefore = loadavg()[0]
  for (let round = -1; round < ROUNDS; round++) {
    for (const t of targets) {
      const before = workerdCpuMs()
      const r = await load(t.url, REQUESTS)
      const spent = workerdCpuMs() - before
      if (r['2xx'] !== REQUESTS) throw new Error(`${t.name}: ${r['2xx']} of ${REQUESTS} answered 2xx (${r.non2xx} other, ${r.errors} errors)`)
      if (round >= 0) perRequest[t.name].push((spent * 1000) / REQUESTS) // round −1 warms up
    }
  }
  const load1 = `load ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}`
  console.log(`feature costs in workerd, ${ROUTE} route (workerd CPU per request over HTTP, stub origin included; ${ROUNDS} rounds × ${REQUESTS} requests; ${load1})`)
  const us = (name) => middleMean(perRequest[name])
  const paired = (a, b) => middleMean(perRequest[a].map((x, i) => x - perRequest[b][i]))
  const row = (label, value, note = '') => console.log(`  ${label.padEnd(36)} ${value.toFixed(0).padStart(5)} µs${note}`)
  row('stub origin alone', us('stub'))
  row('hono proxy() → stub', us('hono-proxy'))
  row('switchyard → stub', us('switchyard'), `   (+${paired('switchyard', 'hono-proxy').toFixed(0)} µs over hono proxy())`)
  for (const g of GATEWAYS.slice(1)) {
    row(`switchyard ${g.name}`, us(g.name), `   ${g.feature}: ${paired('switchyard', g.name).toFixed(0)} µs`)
  }
} finally {
  await mf.dispose()
}
