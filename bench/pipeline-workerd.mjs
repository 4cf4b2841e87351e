// Pipeline cost in workerd: bench/pipeline-harness.ts (Switchyard's Workers code path and
// a bare Hono proxy() before the same in-memory origin) run inside one workerd isolate
// (Miniflare), no sockets. workerd stops its clock while code runs, so it cannot time
// itself: the figure is workerd's CPU time (/proc, all its threads) per call, over blocks of calls
// interleaved across the three cases, median of the blocks. Linux only.
//
//   node bench/pipeline-workerd.mjs          (BENCH_PIPELINE_WORKERD_CALLS per block, default 2000;
//                                             BENCH_PIPELINE_WORKERD_ROUNDS, default 7)
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { COMPATIBILITY_DATE, GATEWAY_COMPATIBILITY_FLAGS, ROOT, WORKER_BUILD } from '../scripts/origins.mjs'
import { median, workerdCpuMs } from './lib.mjs'

const CALLS = Number(process.env.BENCH_PIPELINE_WORKERD_CALLS ?? 2000)
const ROUNDS = Number(process.env.BENCH_PIPELINE_WORKERD_ROUNDS ?? 7)
const CASES = [
  ['hono', 'hono proxy()'],
  ['token', 'switchyard, token route'],
  ['public', 'switchyard, public route'],
]

export async function runPipelineWorkerdBench() {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const scriptPath = path.join(ROOT, '.wrangler', 'bench', 'pipeline-workerd.js')
  await build({ ...WORKER_BUILD, entryPoints: [path.join(ROOT, 'bench', 'pipeline-workerd-entry.ts')], outfile: scriptPath, minify: true })
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      compatibilityDate: COMPATIBILITY_DATE,
      // As the gateway deploys (wrangler.toml).
      compatibilityFlags: GATEWAY_COMPATIBILITY_FLAGS,
      handleStructuredLogs: () => {},
    }),
  )
  try {
    await mf.ready
    const run = async (which, n) => {
      const { ok } = await (await mf.dispatchFetch(`http://bench/?case=${which}&n=${n}`)).json()
      if (ok !== n) throw new Error(`${which}: ${ok} of ${n} calls answered 200`)
    }
    for (const [which] of CASES) await run(which, CALLS) // warm-up (JIT, key fetch)
    const perCall = Object.fromEntries(CASES.map(([which]) => [which, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const [which] of CASES) {
        const before = workerdCpuMs()
        await run(which, CALLS)
        perCall[which].push(((workerdCpuMs() - before) * 1000) / CALLS)
      }
    }
    const base = median(perCall.hono)
    console.log(`pipeline cost in workerd (workerd CPU per call, median of ${ROUNDS} blocks of ${CALLS} calls)`)
    const rows = []
    for (const [which, label] of CASES) {
      const us = median(perCall[which])
      console.log(`  ${label.padEnd(26)} ${us.toFixed(1).padStart(7)} µs   ×${(us / base).toFixed(1)} of hono proxy()`)
      rows.push({ mode: 'workerd', label, cpuMicros: us })
    }
    return rows
  } finally {
    await mf.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runPipelineWorkerdBench()
