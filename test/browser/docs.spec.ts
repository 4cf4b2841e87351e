/**
 * The Swagger UI pages load in a real browser (headless Chromium) through the gateway,
 * show each service's operations, and "Try it out" calls the gateway's /api/v2 URL.
 *
 * The only stand-in: the pages load Swagger UI's script and CSS from a public CDN,
 * which this machine cannot reach, so those two requests are answered from the
 * `swagger-ui-dist` package at exactly the pinned version. Everything else (the page,
 * the OpenAPI documents, the API calls) is the gateway and the origins, for real.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script shared with dev tooling
import { gatewayWorker, ROOT, SERVICES, startOriginServers } from '../../scripts/origins.mjs'
import { SWAGGER_UI_VERSION } from '../../services/shared/docs'
// @ts-expect-error plain ESM script shared with the benchmarks
import { adminToken } from '../../bench/lib.mjs'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CDN = 'https://cdn.jsdelivr.net/npm/'
const DIST = path.join(ROOT as string, 'node_modules', 'swagger-ui-dist')

let servers: { urls: Record<string, string>; dispose: () => Promise<void> }
let browser: Browser

beforeAll(async () => {
  servers = await startOriginServers({ extraWorkers: [await gatewayWorker()], quiet: true })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  })
})

afterAll(async () => {
  await browser?.close()
  await servers?.dispose()
})

/** A page whose only off-machine requests (Swagger UI's assets) come from swagger-ui-dist. */
async function openPage(): Promise<Page> {
  const installed = JSON.parse(await readFile(path.join(DIST, 'package.json'), 'utf8')) as { version: string }
  expect(installed.version, 'swagger-ui-dist devDependency must match the pinned CDN version').toBe(SWAGGER_UI_VERSION)
  const page = await browser.newPage()
  await page.route('**/*', async (route) => {
    const url = route.request().url()
    if (url.startsWith('http://127.0.0.1')) return route.continue()
    const asset = url.startsWith(`${CDN}swagger-ui-dist@${SWAGGER_UI_VERSION}/`) ? url.split('/').pop()! : undefined
    if (!asset || !/^swagger-ui(-bundle\.js|\.css)$/.test(asset)) return route.abort()
    const contentType = asset.endsWith('.js') ? 'text/javascript' : 'text/css'
    return route.fulfill({ body: await readFile(path.join(DIST, asset)), contentType })
  })
  return page
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
    await page.close()
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
    await page.close()
  })

  it('the gateway /docs shows the merged document', async () => {
    const page = await openPage()
    const gw = servers.urls.gateway!
    const doc = (await (await fetch(`${gw}/openapi.json`)).json()) as Doc
    await page.goto(`${gw}/docs`)
    const shown = byKey(await operationsShown(page))
    expect(shown).toEqual(byKey(declared(doc)))
    expect(shown).toContain('POST /api/v2/orders')
    await page.close()
  })
})
