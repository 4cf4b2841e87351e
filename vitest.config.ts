import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
// @ts-expect-error plain ESM script shared with dev tooling
import { buildOrigins, databaseId, originWorkers, ROOT, SERVICES } from './scripts/origins.mjs'
import path from 'node:path'

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
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => {
              // Local OTLP receiver (test/setup/otlp.ts): the origins export to it.
              const otlp = inject<string>('otlpReceiverUrl')
              return {
                wrangler: { configPath: './wrangler.toml' },
                miniflare: {
                  d1Databases,
                  bindings: { ...seedBindings, SWITCHYARD_ENV: 'test', OTLP_RECEIVER_URL: otlp },
                  workers: originWorkers({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp }),
                },
              }
            }),
          ],
          test: {
            name: 'workerd',
            include: ['test/**/*.test.ts'],
            exclude: ['test/deno/**'],
            setupFiles: ['test/setup/seed.ts'],
            globalSetup: ['test/setup/otlp.ts'],
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
