// Cold start: what the gateway adds to a fresh isolate — module evaluation plus
// createGateway (app/worker.ts builds the app at the top level), bounded by count.
//
// Method (workerd): each sample is a fresh workerd process (Miniflare) started and asked
// for `GET /health/live` once. Measured: the wall time from `new Miniflare()` to the first
// response, and the CPU time workerd spent until then (all its threads, from
// /proc/<pid>/task/*/schedstat, Linux) — CPU time stays meaningful on a busy machine,
// where wall time mostly measures the wait for a core. Workers compared in the same run,
// interleaved: a bare Hono app (the baseline), the RPC descriptors alone
// (@bufbuild/protobuf + gen/), every gateway module imported but createGateway not
// called, and the gateway as deployed (minified, bound to stub origins). Differences of
// medians split the gateway's cost into module evaluation and createGateway.
// Then the same gateway-vs-bare-Hono difference with BENCH_COLDSTART_ISOLATES (8) copies
// of each in one workerd, per isolate: workerd's own start-up is then shared, so this
// figure varies far less between rounds than the one-isolate difference.
// Method (Node): a fresh `node` process imports the bundled gateway and calls
// createGateway, timed with performance.now() (workerd freezes its clock while code runs,
// so it cannot time itself).
//
//   node bench/coldstart.mjs            (BENCH_COLDSTART_SAMPLES, default 7; BENCH_COLDSTART_ISOLATES, default 8)
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { build } from 'esbuild'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPATIBILITY_DATE, ROOT, SERVICES, WORKER_BUILD, gatewayWorker } from '../scripts/origins.mjs'
import { importBundled, median, workerdCpuMs } from './lib.mjs'

const SAMPLES = Number(process.env.BENCH_COLDSTART_SAMPLES ?? 7)
const ISOLATES = Number(process.env.BENCH_COLDSTART_ISOLATES ?? 8)
const signed = (ms) => `${ms < 0 ? '−' : '+'}${Math.abs(ms).toFixed(1)}`

const stub = (name) => ({
  name,
  modules: [{ type: 'ESModule', path: 'stub.mjs', contents: 'export default { fetch: () => new Response("{}") }' }],
  compatibilityDate: COMPATIBILITY_DATE,
})

/** One fresh workerd with `worker`: wall and CPU ms to its first response. */
async function firstResponse(worker) {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const options = convertV4MiniflareOptions({
    // The gateway's bindings: the five origins and the docs assets (scripts/origins.mjs), stubbed.
    workers: [worker, ...[...SERVICES.map((n) => `switchyard-${n}`), 'switchyard-docs'].map(stub)],
    handleStructuredLogs: () => {},
  })
  const started = performance.now()
  const mf = new Miniflare(options)
  try {
    const res = await mf.dispatchFetch('http://gateway.bench/health/live')
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`${worker.name}: ${res.status}`)
    return { wallMs: performance.now() - started, cpuMs: workerdCpuMs() }
  } finally {
    await mf.dispose()
  }
}

/**
 * One fresh workerd with `count` copies of `worker` (each its own isolate): CPU ms until
 * every copy has answered its first request. With many isolates per process, workerd's
 * own start-up is shared and the per-isolate cost stands out from the noise.
 */
async function firstResponses(worker, count) {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const names = Array.from({ length: count }, (_, i) => `${worker.name}-${i}`)
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        ...names.map((name) => ({ ...worker, name })),
        ...[...SERVICES.map((n) => `switchyard-${n}`), 'switchyard-docs'].map(stub),
      ],
      handleStructuredLogs: () => {},
    }),
  )
  try {
    for (const name of names) {
      const res = await (await mf.getWorker(name)).fetch('http://gateway.bench/health/live')
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`${name}: ${res.status}`)
    }
    return workerdCpuMs()
  } finally {
    await mf.dispose()
  }
}

async function inWorkerd() {
  const gateway = await gatewayWorker({ minify: true, bindings: { SWITCHYARD_RATE_LIMIT_STORE: 'memory', SWITCHYARD_IDEMPOTENCY_STORE: 'memory' } })
  const { assets: _assets, ...gatewayNoAssets } = gateway
  /** The gateway Worker with another entry module, bundled as it is (minified). */
  const variant = async (name, source) => {
    const outfile = path.join(ROOT, '.wrangler', 'bench', `coldstart-${name}.js`)
    await build({ ...WORKER_BUILD, stdin: { contents: source, resolveDir: ROOT, loader: 'ts' }, outfile, minify: true })
    return { ...gatewayNoAssets, scriptPath: outfile }
  }
  const workers = {
    'bare Hono app': await variant(
      'hono',
      `import { Hono } from 'hono'
const app = new Hono()
app.get('/health/live', (c) => c.json({ status: 'ok' }))
export default app`,
    ),
    'RPC descriptors only': await variant(
      'protobuf',
      `import { InventoryService } from './gen/switchyard/inventory/v1/inventory_pb'
import { fromJson, toJson } from '@bufbuild/protobuf'
export default { fetch: () => new Response(InventoryService.typeName + typeof fromJson + typeof toJson) }`,
    ),
    'gateway modules only': await variant(
      'modules',
      `import { createGateway } from './app/gateway'
import { workersConfig } from './src/config/deployment'
export default { fetch: () => new Response(typeof createGateway + typeof workersConfig) }`,
    ),
    gateway: gatewayNoAssets,
  }
  const samples = Object.fromEntries(Object.keys(workers).map((k) => [k, []]))
  await firstResponse(workers['bare Hono app']) // warm the disk cache and Miniflare itself
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, worker] of Object.entries(workers)) samples[name].push(await firstResponse(worker))
  }
  // Paired by round (the rounds are interleaved): the median of each round's difference
  // to the baseline drifts less with the machine's load than a difference of medians.
  const added = (name, key) => median(samples[name].map((s, i) => s[key] - samples['bare Hono app'][i][key]))
  const med = (name, key) => median(samples[name].map((s) => s[key]))
  console.log(`cold start in workerd (fresh process per sample, ${SAMPLES} rounds, interleaved): median to the first response`)
  for (const name of Object.keys(workers)) {
    const more = name === 'bare Hono app' ? '' : `   → ${signed(added(name, 'cpuMs'))} ms CPU, ${signed(added(name, 'wallMs'))} ms wall vs the bare Hono app`
    console.log(`  ${name.padEnd(22)} CPU ${med(name, 'cpuMs').toFixed(1).padStart(7)} ms   wall ${med(name, 'wallMs').toFixed(1).padStart(7)} ms${more}`)
  }
  // The same comparison with ISOLATES isolates per process, paired by round.
  const perIsolate = []
  for (let i = 0; i < SAMPLES; i++) {
    const hono = await firstResponses(workers['bare Hono app'], ISOLATES)
    perIsolate.push((await firstResponses(workers.gateway, ISOLATES)) - hono)
  }
  console.log(
    `  ${ISOLATES} isolates per process: the gateway adds ${(median(perIsolate) / ISOLATES).toFixed(1)} ms of workerd CPU per isolate ` +
      `(median of ${SAMPLES} rounds; rounds ${perIsolate.map((ms) => (ms / ISOLATES).toFixed(0)).join(' ')})`,
  )
  const total = added('gateway', 'cpuMs')
  console.log(
    `the gateway adds ${total.toFixed(1)} ms of workerd CPU to a cold start (bare Hono app ×${(med('gateway', 'cpuMs') / med('bare Hono app', 'cpuMs')).toFixed(2)}); ` +
      `its modules alone ${added('gateway modules only', 'cpuMs').toFixed(1)} ms, the RPC descriptors alone ${added('RPC descriptors only', 'cpuMs').toFixed(1)} ms`,
  )
  return total
}

async function inNode() {
  await importBundled('coldstart-gateway', `export { createGateway } from './app/gateway'
export { workersInput } from './src/config/deployment'`)
  const bundle = pathToFileURL(path.join(ROOT, '.wrangler', 'bench', 'coldstart-gateway.mjs')).href
  const script = path.join(ROOT, '.wrangler', 'bench', 'coldstart-node.mjs')
  writeFileSync(
    script,
    `// Node loads its fetch implementation (undici) on first use of these globals, which
// workerd has built in: loaded before the clock starts, so the figure is the gateway's.
void [globalThis.fetch, globalThis.TextDecoder, new Response('').headers]
const t0 = performance.now()
const { createGateway, workersInput } = await import(${JSON.stringify(bundle)})
const t1 = performance.now()
// The config app/worker.ts builds from the Worker's variables (the workerd runs' one).
createGateway(workersInput({ SWITCHYARD_RATE_LIMIT_STORE: 'memory', SWITCHYARD_IDEMPOTENCY_STORE: 'memory' }), { bindings: () => ({ fetch: async () => new Response('{}') }) })
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
