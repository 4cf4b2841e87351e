/**
 * CORS in a real browser (headless Chromium): a page served from another origin (a
 * plain Node server on another loopback port) calls a protected route of the gateway
 * with a bearer token — which makes Chromium send a preflight first — and reads the
 * rate-limit and trace headers of the answer; the same page from an origin the policy
 * does not list (`localhost` instead of `127.0.0.1`: another origin) is refused by the
 * browser. Network to other hosts is blocked.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script shared with dev tooling
import { gatewayWorker, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM script shared with the benchmarks
import { adminToken } from '../../bench/lib.mjs'
import { guardedPage, launchChromium } from './support'

let servers: { urls: Record<string, string>; dispose: () => Promise<void> }
let browser: Browser
let pageServer: Server
let pagePort: number

/** The "web app": one empty HTML page, on its own port. */
function startPageServer(): Promise<number> {
  pageServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<!doctype html><title>app</title><p>app</p>')
  })
  return new Promise((resolve) => pageServer.listen(0, '127.0.0.1', () => resolve((pageServer.address() as AddressInfo).port)))
}

beforeAll(async () => {
  pagePort = await startPageServer()
  const gateway = await gatewayWorker({
    bindings: {
      SWITCHYARD_CORS: JSON.stringify({ origins: [`http://127.0.0.1:${pagePort}`] }),
      SWITCHYARD_RATE_LIMIT_STORE: 'memory',
    },
  })
  servers = await startOriginServers({ extraWorkers: [gateway], quiet: true })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await servers?.dispose()
  await new Promise((resolve) => pageServer?.close(resolve))
})

interface CallResult {
  ok: boolean
  status?: number
  headers?: Record<string, string | null>
  body?: unknown
  error?: string
}

/** From the page at `pageOrigin`, GET `url` with a bearer token, as a web app would. */
async function callFromPage(pageOrigin: string, url: string, token: string) {
  const { page, blocked } = await guardedPage(browser)
  await page.goto(`${pageOrigin}/`)
  const result = await page.evaluate(
    async ({ url, token }): Promise<CallResult> => {
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        const names = ['ratelimit', 'ratelimit-policy', 'traceresponse', 'api-version', 'x-request-id']
        return {
          ok: true,
          status: res.status,
          headers: Object.fromEntries(names.map((n) => [n, res.headers.get(n)])),
          body: await res.json(),
        }
      } catch (err) {
        return { ok: false, error: String(err) }
      }
    },
    { url, token },
  )
  await page.close()
  return { result, blocked }
}

describe('CORS in headless Chromium', () => {
  it('a page from an allowed origin calls a protected route with a token and reads the rate-limit headers', async () => {
    const gw = servers.urls.gateway!
    const token = (await adminToken(gw)) as string
    const { result, blocked } = await callFromPage(`http://127.0.0.1:${pagePort}`, `${gw}/api/v2/users/me`, token)
    expect(blocked).toEqual([])
    expect(result.ok, result.error).toBe(true)
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ id: 2, email: 'grace@example.com' })
    expect(result.headers!.ratelimit).toMatch(/^"burst";r=\d+;t=\d+/)
    expect(result.headers!['ratelimit-policy']).toContain('"burst";q=20;w=1')
    expect(result.headers!.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/)
    expect(result.headers!['api-version']).toBe('v2')
  })

  it('the same call from an origin the policy does not list is refused by the browser', async () => {
    const gw = servers.urls.gateway!
    const token = (await adminToken(gw)) as string
    const { result, blocked } = await callFromPage(`http://localhost:${pagePort}`, `${gw}/api/v2/users/me`, token)
    expect(blocked).toEqual([])
    expect(result.ok).toBe(false)
    expect(result.error).toContain('TypeError')
    // What the browser saw: the gateway's preflight answer names no origin for it.
    const preflight = await fetch(`${gw}/api/v2/users/me`, {
      method: 'OPTIONS',
      headers: { origin: `http://localhost:${pagePort}`, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })
})
