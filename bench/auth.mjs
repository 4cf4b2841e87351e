// Access-token verification cost with a warm JWKS cache (ES256), and the JWKS fetches
// it takes. The gateway's own verifier (src/auth/verify.ts + jwks.ts, bundled) runs in
// Node against a real token from the auth origin; the origins run in Miniflare on
// loopback. Bounded by count: BENCH_AUTH_ITERATIONS (default 5000).
import { pathToFileURL } from 'node:url'
import { startOriginServers } from '../scripts/origins.mjs'
import { importBundled, quantile } from './lib.mjs'

const ITERATIONS = Number(process.env.BENCH_AUTH_ITERATIONS ?? 5000)
const JWKS_PATH = '/.well-known/jwks.json'

const loadVerifier = () =>
  importBundled(
    'auth-verify',
    `export { createVerifier } from './src/auth/verify'
export { createKeySource } from './src/auth/jwks'
export { checkCompactToken } from './src/auth/compact'
export { authConfigSchema } from './src/auth/config'`,
    { target: 'node' },
  )


async function timeEach(n, fn) {
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await fn()
    samples[i] = (performance.now() - started) * 1000
  }
  samples.sort()
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99) }
}

export async function runAuthBench() {
  const { createVerifier, createKeySource, checkCompactToken, authConfigSchema } = await loadVerifier()
  const servers = await startOriginServers()
  try {
    const auth = servers.urls.auth
    const login = await fetch(`${auth}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'ada-dev-password' }),
    })
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`)
    const { access_token: token } = await login.json()

    const config = authConfigSchema.parse({ jwks: { url: `${auth}${JWKS_PATH}` } })
    const keys = createKeySource(config, {})
    // The full check every time (no cache of verified tokens), and the gateway's cached verifier.
    const verifier = createVerifier(config, keys, {}, { cache: false })
    const cachedVerifier = createVerifier(config, keys)
    const jwksFetches = async () => ((await (await fetch(`${auth}/__faults/stats`)).json()).byPath[JWKS_PATH] ?? 0)
    await fetch(`${auth}/__faults/stats`, { method: 'DELETE' })

    for (let i = 0; i < 1000; i++) await verifier.verify(token)
    const fetches = await jwksFetches()
    for (let i = 0; i < 500; i++) await verifier.verify(token) // warm-up of the timed path

    const full = await timeEach(ITERATIONS, () => verifier.verify(token))
    await cachedVerifier.verify(token)
    const cached = await timeEach(ITERATIONS, () => cachedVerifier.verify(token))
    const rules = { maxBytes: config.maxTokenBytes, algorithms: config.algorithms }
    const precheck = await timeEach(ITERATIONS, () => checkCompactToken(token, rules))
    console.log(`access-token verification (ES256, warm JWKS cache, ${ITERATIONS} calls, Node ${process.version})`)
    console.log(`verify   median ${full.median.toFixed(1).padStart(6)} µs   p99 ${full.p99.toFixed(1).padStart(6)} µs`)
    console.log(`  of it, strict pre-checks   median ${precheck.median.toFixed(1).padStart(6)} µs   p99 ${precheck.p99.toFixed(1).padStart(6)} µs`)
    console.log(`cached (same token again)   median ${cached.median.toFixed(1).padStart(6)} µs   p99 ${cached.p99.toFixed(1).padStart(6)} µs`)
    console.log(`JWKS fetches for 1000 verifications: ${fetches}`)
    return { full, precheck, cached, fetches }
  } finally {
    await servers.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAuthBench()
