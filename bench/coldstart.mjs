// Cold start: what the gateway adds to a fresh isolate — module evaluation plus
// createGateway (app/worker.ts builds the app at the top level), bounded by count.
//
// Method (workerd): each sample is a fresh workerd process (Miniflare), timed from
// `new Miniflare()` to the first response of `GET /health/live`; once with the gateway
// bundle as deployed (minified, bound to stub origins), once with a trivial Worker with
// the same bindings. The difference of the medians is the gateway's start-up cost:
// parsing/compiling its bundle, evaluating its modules and building the app.
// Method (Node): a fresh `node` process imports the bundled gateway and calls
// createGateway, timed with performance.now() (workerd freezes its clock while code runs,
// so it cannot time itself).
//
//   node bench/coldstart.mjs            (BENCH_COLDSTART_SAMPLES, default 7)
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPATIBILITY_DATE, ROOT, SERVICES, gatewayWorker } from '../scripts/origins.mjs'
import { importBundled } from './lib.mjs'

const SAMPLES = Number(process.env.BENCH_COLDSTART_SAMPLES ?? 7)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const stub = (name) => ({
  name,
  modules: [{ type: 'ESModule', path: 'stub.mjs', contents: 'export default { fetch: () => new Response("{}") }' }],
  compatibilityDate: COMPATIBILITY_DATE,
})

async function firstResponseMs(worker) {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const options = convertV4MiniflareOptions({
    workers: [worker, ...SERVICES.map((n) => stub(`switchyard-${n}`))],
    handleStructuredLogs: () => {},
  })
  const started = performance.now()
  const mf = new Miniflare(options)
  try {
    const res = await mf.dispatchFetch('http://gateway.bench/health/live')
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`${worker.name}: ${res.status}`)
    return performance.now() - started
  } finally {
    await mf.dispose()
  }
}

async function inWorkerd() {
  const gateway = await gatewayWorker({ minify: true, bindings: { SWITCHYARD_RATE_LIMIT_STORE: 'memory' } })
  const { assets: _assets, ...gatewayNoAssets } = gateway
  const trivial = {
    ...stub('switchyard-gateway'),
    serviceBindings: gateway.serviceBindings,
  }
  const withGateway = []
  const without = []
  await firstResponseMs(trivial) // warm the disk cache and Miniflare itself
  for (let i = 0; i < SAMPLES; i++) {
    without.push(await firstResponseMs(trivial))
    withGateway.push(await firstResponseMs(gatewayNoAssets))
  }
  const added = median(withGateway) - median(without)
  console.log(
    `cold start in workerd (fresh process per sample, ${SAMPLES} samples): first response ` +
      `${median(withGateway).toFixed(1)} ms with the gateway, ${median(without).toFixed(1)} ms with a trivial Worker → ` +
      `the gateway adds ${added.toFixed(1)} ms`,
  )
  return added
}

async function inNode() {
  await importBundled('coldstart-gateway', `export { createGateway } from './app/gateway'
export { workersConfig } from './src/config/deployment'`)
  const bundle = pathToFileURL(path.join(ROOT, '.wrangler', 'bench', 'coldstart-gateway.mjs')).href
  const script = path.join(ROOT, '.wrangler', 'bench', 'coldstart-node.mjs')
  writeFileSync(
    script,
    `const t0 = performance.now()
const { createGateway, workersConfig } = await import(${JSON.stringify(bundle)})
const t1 = performance.now()
createGateway({ ...workersConfig(), rateLimit: { store: { kind: 'memory' }, policies: [{ name: 'b', quota: 20, window: 1 }] } }, { bindings: () => ({ fetch: async () => new Response('{}') }) })
const t2 = performance.now()
console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1 }))
`,
  )
  const runs = Array.from({ length: SAMPLES }, () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
    return JSON.parse(r.stdout.trim().split('\n').pop())
  })
  const imp = median(runs.map((r) => r.importMs))
  const create = median(runs.map((r) => r.createMs))
  console.log(
    `cold start in Node (fresh process per sample): import ${imp.toFixed(1)} ms + createGateway ${create.toFixed(1)} ms = ${(imp + create).toFixed(1)} ms`,
  )
  return { imp, create }
}

export async function runColdStartBench() {
  await inNode()
  await inWorkerd()
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runColdStartBench()
