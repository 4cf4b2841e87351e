// Shared by the benchmarks: bundle project TypeScript with esbuild and import it into
// this Node process, summarise timings, and log in through a gateway.
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
