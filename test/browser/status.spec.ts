/**
 * The operators' status page in a real browser (headless Chromium) through the gateway
 * Worker and the five origins served by Miniflare: an admin sees every service with its
 * breaker and instances, each event service's backlog and dead letters, and the page
 * loads nothing from anywhere else.
 */
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script shared with dev tooling
import { gatewayWorker, ROOT, SERVICES, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM script shared with the benchmarks
import { adminToken } from '../../bench/lib.mjs'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

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

describe('status page in headless Chromium', () => {
  it('shows an admin every service, its breaker and instances, and the routes seen, with no request leaving the gateway', async () => {
    const gw = servers.urls.gateway!
    const token = (await adminToken(gw)) as string
    // Some traffic for the route table: two answers and one 404 from the inventory origin.
    for (const sku of ['SKU-RED-MUG', 'SKU-RED-MUG', 'SKU-NOPE']) await fetch(`${gw}/api/v2/inventory/${sku}`)

    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${token}` } })
    const page = await context.newPage()
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))
    const res = await page.goto(`${gw}/status`)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['content-type']).toMatch(/^text\/html/)

    const rows = await page.$$eval('#services tbody tr', (trs) =>
      trs.map((tr) => ({
        service: tr.getAttribute('data-service'),
        ready: tr.querySelector('.ready .badge')?.textContent,
        breaker: tr.querySelector('.breaker .badge')?.textContent,
        instances: tr.querySelectorAll('.instances li').length,
      })),
    )
    expect(rows.map((r) => r.service).sort()).toEqual([...(SERVICES as string[])].sort())
    for (const row of rows) expect(row).toMatchObject({ ready: 'ok', breaker: 'closed', instances: 1 })
    expect(await page.textContent('#routes')).toContain('GET /api/v2/inventory/:sku')
    expect(await page.textContent('#rate-limit')).toMatch(/Store (memory|upstash)|Off/)
    const events = await page.$$eval('#events tbody tr', (trs) =>
      trs.map((tr) => ({ service: tr.getAttribute('data-service'), unsent: tr.querySelector('.unsent')?.textContent, dead: tr.querySelector('.dead-pending')?.textContent })),
    )
    expect(events).toEqual([
      { service: 'orders', unsent: '0', dead: '0' },
      { service: 'inventory', unsent: '0', dead: '0' },
      { service: 'payments', unsent: '0', dead: '0' },
    ])
    expect(requested.every((url) => url.startsWith(gw))).toBe(true)
    await page.screenshot({ path: path.join(ROOT as string, '.wrangler', 'status-page.png'), fullPage: true })

    // Without the admin's token the same page is a 401 problem.
    const anonymous = await (await browser.newContext()).newPage()
    const denied = await anonymous.goto(`${gw}/status`)
    expect(denied?.status()).toBe(401)
    expect(denied?.headers()['content-type']).toMatch(/^application\/problem\+json/)
    await context.close()
  })

  it('shows a dead letter once an event could not be handled', async () => {
    const gw = servers.urls.gateway!
    const token = (await adminToken(gw)) as string
    const admin = { authorization: `Bearer ${token}` }
    // Inventory fails every OrderPlaced it gets: retried, then dead-lettered.
    const fault = await fetch(`${servers.urls.inventory}/__faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'status', status: 500, paths: '/__events/OrderPlaced' }),
    })
    expect(fault.status).toBe(200)
    const order = await fetch(`${gw}/api/v2/orders`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
    })
    expect(order.status).toBe(202)
    let pending = 0
    for (let i = 0; i < 200 && pending === 0; i++) {
      const report = (await (await fetch(`${gw}/status.json`, { headers: admin })).json()) as { events: { inventory: { dead_letters: { pending: number } } } }
      pending = report.events.inventory.dead_letters.pending
      if (pending === 0) await new Promise((r) => setTimeout(r, 50))
    }
    expect(pending).toBe(1)
    await fetch(`${servers.urls.inventory}/__faults`, { method: 'DELETE' })

    const context = await browser.newContext({ extraHTTPHeaders: admin })
    const page = await context.newPage()
    await page.goto(`${gw}/status`)
    expect(await page.textContent('#events tr[data-service="inventory"] .dead-pending .badge.bad')).toBe('1')
    await context.close()
  })
})
