// `node bench/idempotency.mjs` (also run by `npm run bench`): what the Idempotency-Key
// check costs per keyed request. The gateway is built in-process four times and serves
// POST /api/v2/orders (token verified, body validated, as always) from an in-process
// origin that answers at once, so the figures are the gateway's own work plus its store
// round trips: keys off (baseline: the key passes through unchecked), the memory store,
// and a real redis-server behind the Upstash bridge (its own process, loopback) for a
// new key (lock + store: 2 round trips) and for a replay (1 round trip, origin not called).
// Requests are sequential and the modes alternate in rounds, so drift hits all alike.
// Bounded: BENCH_IDEMPOTENCY_REQUESTS per mode (default 2000) plus a warm-up.
import { importJWK, SignJWT } from 'jose'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { freePort } from '../scripts/deno-gateway.mjs'
import { devVars } from '../scripts/origins.mjs'
import { findRedisServer, startRedisServer } from '../scripts/redis-server.mjs'
import { importBundled, quantile, spawnBridge } from './lib.mjs'

const REQUESTS = Number(process.env.BENCH_IDEMPOTENCY_REQUESTS ?? 2000)
const ROUNDS = 5
const TOKEN = 'bench-token'
const PATH = '/api/v2/orders'
const BODY = JSON.stringify({ user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-YELLOW-SOCKS', quantity: 1, unit_price_cents: 800 }] })
const ORDER = JSON.stringify({ id: 7, user_id: 2, status: 'pending', total_cents: 800, currency: 'EUR', created_at: '2026-12-06T00:00:00.000Z', items: [] })

const loadGateway = () =>
  importBundled(
    'idempotency-lib',
    `export { createGateway } from './app/gateway'
export { createLogger } from './src/log'
export { authConfigSchema } from './src/auth/config'
export { scopesFor } from './services/auth/src/scopes'`,
  )

/** The dev signing key (services/auth/.dev.vars): the bench signs with it, the origin publishes it. */
function devKey() {
  const set = JSON.parse(devVars('auth').SIGNING_KEYS)
  return set.keys.find((k) => k.kid === set.active)
}

/** Every service binding resolves to this: the JWKS for the auth binding, an order for the rest. */
function instantOrigin(jwk) {
  const { d: _private, ...publicJwk } = jwk
  const jwks = JSON.stringify({ keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' }] })
  return {
    fetch: async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      if (url.pathname === '/.well-known/jwks.json') return new Response(jwks, { headers: { 'content-type': 'application/json' } })
      return new Response(ORDER, { status: 201, headers: { 'content-type': 'application/json', location: '/orders/7' } })
    },
  }
}

async function adminToken({ authConfigSchema, scopesFor }, jwk) {
  const { issuer, audience } = authConfigSchema.parse({})
  const now = Math.floor(Date.now() / 1000)
  const key = await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')
  return new SignJWT({ scope: scopesFor(['admin']).join(' '), roles: ['admin'], client_id: 'switchyard', jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('2')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 900)
    .sign(key)
}

function gatewayFor({ createGateway, createLogger }, origin, idempotency) {
  const services = Object.fromEntries(['auth', 'users', 'orders', 'payments', 'inventory'].map((n) => [n, { bindings: [n.toUpperCase()] }]))
  return createGateway({ services, idempotency, caching: { coalesce: false } }, { bindings: () => origin, logger: createLogger({}, () => {}) })
}

let counter = 0
const newKey = () => `"bench-${process.pid}-${++counter}"`

async function timeRequests(app, token, key, count, samples, expect) {
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const res = await app.fetch(
      new Request(`http://gateway.bench${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key() },
        body: BODY,
      }),
    )
    await res.arrayBuffer()
    samples?.push(performance.now() - started)
    if (res.status !== 201 || (res.headers.get('idempotent-replayed') === 'true') !== expect.replayed) {
      throw new Error(`bench request answered ${res.status} (replayed: ${res.headers.get('idempotent-replayed')})`)
    }
  }
}

export async function runIdempotencyBench() {
  if (!findRedisServer()) {
    console.log('idempotency bench skipped: redis-server not found (apt-get install redis-server)')
    return
  }
  const lib = await loadGateway()
  const jwk = devKey()
  const origin = instantOrigin(jwk)
  const token = await adminToken(lib, jwk)
  const redis = await startRedisServer({ port: await freePort() })
  const bridge = await spawnBridge(redis.url, TOKEN)
  try {
    const upstash = { kind: 'upstash', url: bridge.url, token: TOKEN }
    const replayKey = '"bench-replayed"'
    const modes = {
      'keys off (baseline)': { app: gatewayFor(lib, origin, { enabled: false }), key: newKey, replayed: false },
      'memory, new key': { app: gatewayFor(lib, origin, { store: { kind: 'memory' } }), key: newKey, replayed: false },
      'redis, new key': { app: gatewayFor(lib, origin, { store: upstash }), key: newKey, replayed: false },
      'redis, replay': { app: gatewayFor(lib, origin, { store: upstash }), key: () => replayKey, replayed: true },
    }
    // Warm-up (JIT, connections, script load); the first replay request stores the answer.
    await timeRequests(modes['redis, replay'].app, token, () => replayKey, 1, undefined, { replayed: false })
    for (const m of Object.values(modes)) await timeRequests(m.app, token, m.key, 300, undefined, m)
    const samples = Object.fromEntries(Object.keys(modes).map((m) => [m, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, m] of Object.entries(modes)) await timeRequests(m.app, token, m.key, REQUESTS / ROUNDS, samples[name], m)
    }

    console.log(`idempotency keys — keyed POST ${PATH}, in-process gateway and origin, ${REQUESTS} sequential requests per mode, Node ${process.version}`)
    console.log('redis: real redis-server behind the Upstash REST bridge (own process, loopback)')
    const stats = (s) => {
      const sorted = Float64Array.from(s).sort()
      return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
    }
    const base = stats(samples['keys off (baseline)'])
    for (const name of Object.keys(modes)) {
      const { p50, p99 } = stats(samples[name])
      const added = name === 'keys off (baseline)' ? '' : `   added p50 ${((p50 - base.p50) * 1000).toFixed(0).padStart(5)} µs   ratio p50 ${(p50 / base.p50).toFixed(2)}`
      console.log(`${name.padEnd(20)} p50 ${(p50 * 1000).toFixed(0).padStart(6)} µs   p99 ${(p99 * 1000).toFixed(0).padStart(6)} µs${added}`)
    }
  } finally {
    bridge.stop()
    await redis.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runIdempotencyBench()
