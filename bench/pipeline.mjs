// Pipeline cost, in process (Node, one core, bounded by count): the time from a
// Request to a consumed Response through Switchyard's whole middleware chain vs a plain
// Hono proxy() in front of the same in-memory origin (bench/pipeline-harness.ts), on
// the Workers code path (service bindings) and the Deno one (URLs, signed identity).
// Routes: token = GET /api/v2/users/1 with an ES256 access token (trace, token check,
// versioning, limiter, breaker, proxy); public = GET /api/v2/inventory/SKU-RED-MUG.
// Each request has its own URL (?n=i); calls are interleaved in blocks so drift
// spreads over all of them. Targets: token ≤ 150 µs median, public ≤ 50 µs.
//
// Then the same harness inside workerd, timed by workerd's CPU (bench/pipeline-workerd.mjs).
//
//   node bench/pipeline.mjs                  (BENCH_PIPELINE_ITERATIONS, default 20000)
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { importBundled, quantile } from './lib.mjs'
import { runPipelineWorkerdBench } from './pipeline-workerd.mjs'

const ITERATIONS = Number(process.env.BENCH_PIPELINE_ITERATIONS ?? 20_000)
const BLOCK = 200
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} }

export async function runPipelineBench() {
  const { buildHarness } = await importBundled('pipeline-harness', `export { buildHarness } from './bench/pipeline-harness'`)
  console.log(`pipeline cost, in process (${ITERATIONS} calls each, Node ${process.version}, median / p99)`)
  const rows = []
  for (const mode of ['workers', 'deno']) {
    const { switchyard, hono, token, calls } = await buildHarness(mode)
    const auth = { authorization: `Bearer ${token}` }
    const cases = [
      { label: 'hono proxy()', app: hono, path: '/api/v2/users/1', headers: {} },
      { label: 'switchyard, token route', app: switchyard, path: '/api/v2/users/1', headers: auth },
      { label: 'switchyard, public route', app: switchyard, path: '/api/v2/inventory/SKU-RED-MUG', headers: {} },
    ].map((c) => ({ ...c, samples: new Float64Array(ITERATIONS), n: 0 }))
    let seq = 0
    const once = async (c) => {
      const req = new Request(`http://gateway.bench${c.path}?n=${seq++}`, { headers: c.headers })
      const started = performance.now()
      const res = await c.app.fetch(req, undefined, ctx)
      await res.arrayBuffer()
      const took = (performance.now() - started) * 1000
      if (res.status !== 200) throw new Error(`${c.label}: ${res.status} ${await res.text()}`)
      return took
    }
    for (const c of cases) for (let i = 0; i < 2_000; i++) await once(c) // warm-up (JIT, key fetch)
    const before = calls.origin
    for (let done = 0; done < ITERATIONS; done += BLOCK) {
      for (const c of cases) for (let i = 0; i < BLOCK && c.n < ITERATIONS; i++) c.samples[c.n++] = await once(c)
    }
    const base = cases[0]
    for (const c of cases) {
      c.samples.sort()
      c.median = quantile(c.samples, 0.5)
      c.p99 = quantile(c.samples, 0.99)
    }
    console.log(`${mode} code path (origin calls ${calls.origin - before} for ${ITERATIONS * cases.length} requests)`)
    for (const c of cases) {
      console.log(
        `  ${c.label.padEnd(26)} median ${c.median.toFixed(1).padStart(7)} µs   p99 ${c.p99.toFixed(1).padStart(8)} µs   ` +
          `×${(c.median / base.median).toFixed(1)} of hono proxy()`,
      )
      rows.push({ mode, label: c.label, median: c.median, p99: c.p99 })
    }
  }
  // workerd's CPU time is read from /proc.
  if (existsSync('/proc/self/stat')) rows.push(...(await runPipelineWorkerdBench()))
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runPipelineBench()
