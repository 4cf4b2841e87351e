import { defineConfig } from 'vitest/config'

/**
 * `npm run test:browser`: the docs pages in headless Chromium (Debian's `chromium`,
 * driven by playwright-core), against the gateway and origins served by Miniflare on
 * loopback. Separate from `npm test` because it needs the system browser.
 */
export default defineConfig({
  test: {
    name: 'browser',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/browser/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
