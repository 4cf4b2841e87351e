import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
// @ts-expect-error plain ESM script shared with dev tooling
import { buildOrigins, databaseId, devVars, docsWorker, eventsQueue, gatewayWorker, originVariant, originWorkers, replicaWorkers, ROOT, SERVICES } from './scripts/origins.mjs'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { RedisContext } from './test/setup/redis'

/**
 * Rate-limit config of the second gateway instance (see test/ratelimit-exactness.test.ts):
 * the store's defaults (its 100 ms timeout) and the default failure mode (open).
 */
const GATEWAY_B_RATE_LIMIT = {
  policies: [{ name: 'shared', quota: 100, window: 3600 }],
}

/** HMAC key of identity headers in tests only (as an origin served at a URL would hold it). */
const TEST_IDENTITY_SECRET = 'test-only-identity-secret-0123456789abcdef'

/**
 * Extra instances for the identity tests: the auth Worker after the two steps of a
 * key rotation (test/auth-rotation.test.ts), and a users Worker that, like an origin
 * served at a URL, accepts identity headers only when signed (test/auth-identity.test.ts).
 */
function identityWorkers() {
  const devKeys = JSON.parse(devVars('auth').SIGNING_KEYS) as { keys: { kid: string }[] }
  const nextKey = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/rotation-key.json'), 'utf8')).jwk
  const stage = (active: string, keys: unknown[]) => ({ SIGNING_KEYS: JSON.stringify({ active, keys }) })
  return {
    workers: [
      originVariant('auth', 'switchyard-auth-next', stage(nextKey.kid, [...devKeys.keys, nextKey])),
      originVariant('auth', 'switchyard-auth-retired', stage(nextKey.kid, [nextKey])),
      originVariant('users', 'switchyard-users-signed', { IDENTITY_SECRET: TEST_IDENTITY_SECRET }),
    ],
    serviceBindings: {
      AUTH_NEXT: 'switchyard-auth-next',
      AUTH_RETIRED: 'switchyard-auth-retired',
      USERS_SIGNED: 'switchyard-users-signed',
    },
    bindings: { DEV_SIGNING_KEYS: devVars('auth').SIGNING_KEYS, TEST_IDENTITY_SECRET },
  }
}

/**
 * Stock levels in tests: never stored by the edge cache, so tests that count calls at
 * the inventory origin are not answered from it. The cache tests use their own
 * instance (INVENTORY_CACHED) whose stock levels go stale within seconds.
 */
const ORIGIN_VARS = { STOCK_CACHE_CONTROL: 'no-store' }
const cacheWorkers = () => ({
  workers: [originVariant('inventory', 'switchyard-inventory-cached', { STOCK_CACHE_CONTROL: 'public, max-age=1, stale-while-revalidate=2' })],
  serviceBindings: { INVENTORY_CACHED: 'switchyard-inventory-cached' },
})

/**
 * Tests run inside workerd: the gateway is the Worker under test (wrangler.toml) and
 * the five origins are real auxiliary Workers with their own D1 databases. The test
 * Worker also binds each origin's database (same id) so setup can migrate and seed it.
 */
// wrangler, reading wrangler.toml once per test file, would print "Using secrets defined
// in .dev.vars" each time; its warnings and errors still show.
process.env.WRANGLER_LOG ??= 'warn'

export default defineConfig(async () => {
  await buildOrigins()
  const d1Databases: Record<string, string> = {}
  const seedBindings: Record<string, unknown> = {}
  for (const name of SERVICES as string[]) {
    const dir = path.join(ROOT, 'services', name)
    d1Databases[`${name.toUpperCase()}_DB`] = databaseId(name)
    seedBindings[`${name.toUpperCase()}_MIGRATIONS`] = await readD1Migrations(path.join(dir, 'migrations'))
    seedBindings[`${name.toUpperCase()}_SEED`] = await readD1Migrations({
      migrationsDir: dir,
      migrationsPattern: path.join(dir, 'seed.sql'),
    })
  }
  const identity = identityWorkers()
  // A second gateway instance (its own isolate, the real app/worker.ts) for the
  // rate-limit tests; its Redis vars come from test/setup/redis.ts.
  const gatewayB = await gatewayWorker({ name: 'switchyard-gateway-b' })
  const cache = cacheWorkers()
  return {
    test: {
      // The reporter is the root's: without this, the projects' `silent` does not reach it
      // and every passing test's log lines are printed. Failing tests still show theirs.
      silent: 'passed-only' as const,
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => {
              // Local OTLP receiver (test/setup/otlp.ts): the origins export to it.
              const otlp = inject<string>('otlpReceiverUrl')
              const redis = inject<RedisContext>('redis')
              // Stand-in OpenID provider on loopback (test/setup/idp.ts).
              const devIdp = inject<string>('devIdp')
              const redisVars = 'url' in redis ? redis : { url: '', token: '', control: '' }
              return {
                wrangler: { configPath: './wrangler.toml' },
                // The plugin runs workerd in verbose mode, which prints every exception the
                // runtime sees as an "uncaught exception" report, even ones the code catches:
                // each refused connection a test makes on purpose, each body an injected fault
                // breaks. A real unhandled rejection in the test isolate still fails the run
                // (Vitest's "Unhandled Rejection"). WORKERD_VERBOSE=1 brings the reports back.
                verbose: process.env.WORKERD_VERBOSE === '1',
                miniflare: {
                  d1Databases,
                  // The event tests send to the origins' queues directly (duplicates, poison).
                  queueProducers: Object.fromEntries(
                    ['orders', 'inventory', 'payments'].map((n) => [`${n.toUpperCase()}_EVENTS`, { queueName: eventsQueue(n) }]),
                  ),
                  bindings: {
                    ...seedBindings,
                    ...identity.bindings,
                    OTLP_RECEIVER_URL: otlp,
                    DEV_IDP: devIdp,
                    // The Worker under test is not rate limited (other files send bursts
                    // from one address); the rate-limit tests build their own gateways.
                    SWITCHYARD_RATE_LIMIT: 'off',
                    // Its idempotency keys stay in its memory (test/idempotency.test.ts uses Redis).
                    SWITCHYARD_IDEMPOTENCY_STORE: 'memory',
                    REDIS_URL: redisVars.url,
                    REDIS_TOKEN: redisVars.token,
                    REDIS_CONTROL_URL: redisVars.control,
                    REDIS_ERROR: 'error' in redis ? redis.error : '',
                  },
                  serviceBindings: {
                    // A second users instance, for balancing and ejection tests.
                    USERS_B: 'switchyard-users-b',
                    GATEWAY_B: 'switchyard-gateway-b',
                    ...identity.serviceBindings,
                    ...cache.serviceBindings,
                  },
                  workers: [
                    ...originWorkers({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp, ...ORIGIN_VARS }),
                    docsWorker(),
                    ...replicaWorkers(ORIGIN_VARS),
                    ...identity.workers,
                    {
                      ...gatewayB,
                      bindings: {
                        ...gatewayB.bindings,
                        UPSTASH_REDIS_REST_URL: redisVars.url,
                        UPSTASH_REDIS_REST_TOKEN: redisVars.token,
                        SWITCHYARD_RATE_LIMIT: JSON.stringify(GATEWAY_B_RATE_LIMIT),
                        // The rate-limit tests count each admitted request at the origin.
                        SWITCHYARD_COALESCE: 'off',
                        // Its console goes straight to the output (an auxiliary Worker): no
                        // access log line for each of the thousands of burst requests.
                        SWITCHYARD_LOG_LEVEL: 'warn',
                      },
                    },
                    ...cache.workers,
                  ],
                },
              }
            }),
          ],
          test: {
            name: 'workerd',
            include: ['test/**/*.test.ts'],
            exclude: ['test/deno/**', 'test/http/**'],
            setupFiles: ['test/setup/seed.ts'],
            globalSetup: ['test/setup/otlp.ts', 'test/setup/redis.ts', 'test/setup/idp.ts'],
            // Files share the origins' databases and in-isolate state; run them in order.
            fileParallelism: false,
            silent: 'passed-only',
            testTimeout: 20_000,
          },
        },
        {
          // The gateway Worker served by workerd over HTTP, for what only separate client
          // requests show (each in its own request context).
          test: {
            name: 'http',
            // Output of passing tests (servers' request logs) is noise; failures still show theirs.
            silent: 'passed-only',
            include: ['test/http/**/*.test.ts'],
            environment: 'node',
            testTimeout: 30_000,
            hookTimeout: 120_000,
          },
        },
        {
          // The same gateway under a real `deno serve` process, over HTTP.
          test: {
            name: 'deno',
            silent: 'passed-only',
            include: ['test/deno/**/*.test.ts'],
            environment: 'node',
            testTimeout: 30_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  }
})
