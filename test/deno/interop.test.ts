/**
 * Interoperability under a real `deno serve` gateway: CORS from the environment, and the
 * docs pages' assets served from the installed swagger-ui-dist package.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCS_CSP } from '../../services/shared/docs'
import { startDenoStack, type DenoStack } from './support'

const APP = 'http://localhost:5173'
let stack: DenoStack

beforeAll(async () => {
  stack = await startDenoStack({ env: { SWITCHYARD_CORS: JSON.stringify({ origins: [APP] }) } })
})

afterAll(async () => {
  await stack?.stop()
})

describe('CORS under Deno', () => {
  const preflight = (origin: string) =>
    fetch(`${stack.gw.base}/api/v2/users/me`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    })

  it('answers an allowed origin 204 with its origin; a disallowed one without', async () => {
    const ok = await preflight(APP)
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP)
    expect(ok.headers.get('vary')).toMatch(/\bOrigin\b/)
    const evil = await preflight('http://evil.example')
    expect(evil.status).toBe(204)
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('a protected call exposes the rate-limit and trace headers', async () => {
    const res = await fetch(`${stack.gw.base}/api/v2/users/me`, { headers: { origin: APP, ...stack.admin } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(res.headers.get('access-control-expose-headers')).toContain('RateLimit')
  })
})

describe('docs offline under Deno', () => {
  it('serves Swagger UI from the package with a self-only CSP', async () => {
    const page = await fetch(`${stack.gw.base}/docs`)
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP)
    expect(await page.text()).toContain('src="/docs/assets/swagger-ui-bundle.js"')
    const bundle = await fetch(`${stack.gw.base}/docs/assets/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect((await bundle.text()).length).toBeGreaterThan(100_000)
    expect((await fetch(`${stack.gw.base}/docs/assets/package.json`)).status).toBe(404)
  })
})
