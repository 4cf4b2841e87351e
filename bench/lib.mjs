// Shared by the benchmarks: bundle project TypeScript with esbuild and import it into
// this Node process, summarise timings, and log in through a gateway.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { build } from 'esbuild'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { freePort } from '../scripts/deno-gateway.mjs'
import { ROOT, WORKER_BUILD } from '../scripts/origins.mjs'
import { spawnBridge as spawnBridgeProcess } from '../scripts/upstash-bridge.mjs'

/**
 * Bundles `source` (TypeScript re-exports, resolved from the project root) to
 * .wrangler/bench/<name>.mjs and imports it. `worker` resolves packages as Workers get
 * them (workerd/worker/browser conditions); `node` as Node does.
 */
export async function importBundled(name, source, { target = 'worker' } = {}) {
  const outfile = path.join(ROOT, '.wrangler', 'bench', `${name}.mjs`)
  await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    logLevel: 'error',
    ...(target === 'node' ? { platform: 'node' } : WORKER_BUILD),
  })
  return import(pathToFileURL(outfile).href)
}

/** The q-quantile of an ascending array. */
export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

/** The median of `xs` (the upper one of an even count), `xs` left as it is. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * CPU time (ms) of this process's workerd children so far, all their threads, or NaN
 * where /proc is missing: workerd stops its clock while code runs, so it cannot time itself.
 */
export function workerdCpuMs() {
  if (!existsSync('/proc/self/task')) return Number.NaN
  const ps = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,comm='], { encoding: 'utf8' })
  let ns = 0
  for (const [pid, comm] of ps.split('\n').map((l) => l.trim().split(/\s+/))) {
    if (!comm?.startsWith('workerd')) continue
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
  }
  return ns / 1e6
}

/** An admin access token from the real login (the seeded dev account; README). */
export async function adminToken(gatewayUrl) {
  const res = await fetch(`${gatewayUrl}/api/v2/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'grace@example.com', password: 'grace-dev-password' }),
  })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return (await res.json()).access_token
}

/** The Upstash bridge as its own process on a free port (scripts/upstash-bridge.mjs). */
export async function spawnBridge(redisUrl, token) {
  return spawnBridgeProcess({ redisUrl, token, port: await freePort() })
}
