import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
// @ts-expect-error plain ESM script shared with dev tooling
import { buildOrigins, databaseId, gatewayWorker, originWorkers, ROOT, SERVICES } from './scripts/origins.mjs'
import path from 'node:path'
import type { RedisContext } from './test/setup/redis'

/** Rate-limit config of the second gateway instance (see test/ratelimit-exactness.test.ts). */
const GATEWAY_B_RATE_LIMIT = {
  store: { timeoutMs: 5000 },
  policies: [{ name: 'shared', quota: 100, window: 3600, failure: 'closed' }],
}

/**
 * Tests run inside workerd: the gateway is the Worker under test (wrangler.toml) and
 * the five origins are real auxiliary Workers with their own D1 databases. The test
 * Worker also binds each origin's database (same id) so setup can migrate and seed it.
 */
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
  // A second gateway instance (its own isolate, the real src/worker.ts) for the
  // rate-limit tests; its Redis vars come from test/setup/redis.ts.
  const gatewayB = await gatewayWorker({ name: 'switchyard-gateway-b' })
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => {
              const redis = inject<RedisContext>('redis')
              const redisVars = 'url' in redis ? redis : { url: '', token: '', control: '' }
              return {
                wrangler: { configPath: './wrangler.toml' },
                miniflare: {
                  d1Databases,
                  bindings: {
                    ...seedBindings,
                    SWITCHYARD_ENV: 'test',
                    // The Worker under test is not rate limited (other files send bursts
                    // from one address); the rate-limit tests build their own gateways.
                    SWITCHYARD_RATE_LIMIT: 'off',
                    REDIS_URL: redisVars.url,
                    REDIS_TOKEN: redisVars.token,
                    REDIS_CONTROL_URL: redisVars.control,
                    REDIS_ERROR: 'error' in redis ? redis.error : '',
                  },
                  serviceBindings: { GATEWAY_B: 'switchyard-gateway-b' },
                  workers: [
                    ...originWorkers(),
                    {
                      ...gatewayB,
                      bindings: {
                        ...gatewayB.bindings,
                        UPSTASH_REDIS_REST_URL: redisVars.url,
                        UPSTASH_REDIS_REST_TOKEN: redisVars.token,
                        SWITCHYARD_RATE_LIMIT: JSON.stringify(GATEWAY_B_RATE_LIMIT),
                      },
                    },
                  ],
                },
              }
            }),
          ],
          test: {
            name: 'workerd',
            include: ['test/**/*.test.ts'],
            exclude: ['test/deno/**'],
            setupFiles: ['test/setup/seed.ts'],
            globalSetup: ['test/setup/redis.ts'],
            // Files share the origins' databases and in-isolate state; run them in order.
            fileParallelism: false,
            silent: 'passed-only',
            testTimeout: 20_000,
          },
        },
        {
          // The same gateway under a real `deno serve` process, over HTTP.
          test: {
            name: 'deno',
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
