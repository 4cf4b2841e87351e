/**
 * The Swagger UI pages load in a real browser (headless Chromium) through the gateway,
 * show each service's operations, and "Try it out" calls the gateway's /api/v2 URL.
 * The network to every other host is blocked: the pages' scripts and styles come from
 * the gateway itself, under a Content-Security-Policy that allows only self, and no
 * request leaves loopback and no CSP violation is reported.
 */
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script shared with dev tooling
import { gatewayWorker, ROOT, SERVICES, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM script shared with the benchmarks
import { adminToken } from '../../bench/lib.mjs'
import { guardedPage, launchChromium, type GuardedPage } from './support'

let servers: { urls: Record<string, string>; dispose: () => Promise<void> }
let browser: Browser
let current: GuardedPage | undefined

beforeAll(async () => {
  servers = await startOriginServers({ extraWorkers: [await gatewayWorker()], quiet: true })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await servers?.dispose()
})

// Every page of this file: nothing fetched off loopback, nothing refused by the CSP.
afterEach(async () => {
  if (!current) return
  expect(current.blocked).toEqual([])
  expect(current.cspViolations).toEqual([])
  await current.page.close()
  current = undefined
})

async function openPage(): Promise<Page> {
  current = await guardedPage(browser)
  return current.page
}

interface Operation {
  method: string
  path: string
}

async function operationsShown(page: Page): Promise<Operation[]> {
  await page.waitForSelector('.opblock', { timeout: 20_000 })
  return page.$$eval('.opblock', (blocks) =>
    blocks.map((b) => ({
      method: b.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '',
      path: b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
    })),
  )
}

/** The operations an OpenAPI document declares, as Swagger UI labels them. */
type Doc = { paths: Record<string, Record<string, unknown>> }

function declared(doc: Doc): Operation[] {
  return Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => ({ method: m.toUpperCase(), path: p })))
}

const byKey = (ops: Operation[]) => ops.map((o) => `${o.method} ${o.path}`).sort()

describe('Swagger UI through the gateway, in headless Chromium', () => {
  it('/api/v2/users/docs renders the users operations, and Try it out calls /api/v2/users/1', async () => {
    const page = await openPage()
    const gw = servers.urls.gateway!
    await page.goto(`${gw}/api/v2/users/docs`)
    const ops = await operationsShown(page)
    expect(byKey(ops)).toEqual(['GET /users', 'GET /users/{id}', 'PATCH /users/{id}'])
    await expect(page.locator('.info .title').first().innerText()).resolves.toContain('Switchyard users service')

    const getUser = page.locator('.opblock-get', { has: page.locator('[data-path="/users/{id}"]') })
    await getUser.locator('.opblock-summary').click()
    // The API needs a token; the service's own document does not carry the gateway's
    // auth scheme, so the admin's bearer token (a real login) is added as a client would.
    const token = await adminToken(gw)
    await page.route('**/api/v2/users/1', (route) =>
      route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }),
    )
    await getUser.getByRole('button', { name: 'Try it out' }).click()
    await getUser.locator('input[placeholder="id"]').fill('1')
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/users/1')),
      getUser.getByRole('button', { name: 'Execute' }).click(),
    ])
    expect(new URL(response.url()).pathname).toBe('/api/v2/users/1')
    expect(response.status()).toBe(200)
    expect(await response.json()).toMatchObject({ id: 1, name: 'Ada Lovelace' })
    await page.screenshot({ path: path.join(ROOT as string, '.wrangler', 'users-docs.png'), fullPage: true })
  })

  it.each(SERVICES as string[])('/api/v2/%s/docs shows every operation its document declares', async (service) => {
    const page = await openPage()
    const gw = servers.urls.gateway!
    const doc = (await (await fetch(`${gw}/api/v2/${service}/openapi.json`)).json()) as Doc
    await page.goto(`${gw}/api/v2/${service}/docs`)
    const expected = declared(doc)
    if (expected.length === 0) {
      await page.waitForSelector('.info .title')
      expect(await page.locator('.opblock').count()).toBe(0)
    } else {
      expect(byKey(await operationsShown(page))).toEqual(byKey(expected))
    }
  })

  it('the gateway /docs shows the merged document', async () => {
    const page = await openPage()
    const gw = servers.urls.gateway!
    const doc = (await (await fetch(`${gw}/openapi.json`)).json()) as Doc
    await page.goto(`${gw}/docs`)
    const shown = byKey(await operationsShown(page))
    expect(shown).toEqual(byKey(declared(doc)))
    expect(shown).toContain('POST /api/v2/orders')
  })
})
