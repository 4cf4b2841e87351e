/**
 * Interoperability under a real `deno serve` gateway: CORS from the environment, the
 * docs pages' assets served from the installed swagger-ui-dist package, and another
 * identity provider (the stand-in on loopback, scripts/dev-idp.mjs) configured by
 * `SWITCHYARD_AUTH`, found by OIDC discovery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCS_CSP } from '../../wire/docs'
import { startDenoStack, type DenoStack } from './support'
// @ts-expect-error plain ESM script shared with dev tooling
import { startDevIdp } from '../../scripts/dev-idp.mjs'

interface DevIdp {
  issuer: string
  audience: string
  sign: (claims?: Record<string, unknown>) => Promise<string>
  close: () => Promise<void>
}
let idp: DevIdp

const APP = 'http://localhost:5173'
let stack: DenoStack

beforeAll(async () => {
  idp = (await startDevIdp()) as DevIdp
  stack = await startDenoStack({
    env: {
      SWITCHYARD_CORS: JSON.stringify({ origins: [APP] }),
      SWITCHYARD_AUTH: JSON.stringify({ issuers: [{ issuer: idp.issuer, audiences: [idp.audience] }] }),
    },
  })
})

afterAll(async () => {
  await stack?.stop()
  await idp?.close()
})

describe('another identity provider under Deno (SWITCHYARD_AUTH, OIDC discovery on loopback)', () => {
  const me = (token: string) => fetch(`${stack.gw.base}/api/v2/users/me`, { headers: { authorization: `Bearer ${token}` } })

  it('an RS256 token with typ JWT, no nbf, no jti → 200; with a wrong audience → 401', async () => {
    const ok = await me(await idp.sign())
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ id: 1 })
    const wrong = await me(await idp.sign({ aud: 'https://other.example' }))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('audience')
  })
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

describe('tracestate under Deno, per the current W3C text', () => {
  it('passes keys of the current grammar on and drops a repeated key\'s later entry', async () => {
    const users = stack.origins.urls.users!
    await fetch(`${users}/__faults/stats`, { method: 'DELETE' })
    const res = await fetch(`${stack.gw.base}/api/v2/users/1`, {
      headers: {
        ...stack.admin,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: '1vendor=a,t@v@x=b,1vendor=c',
      },
    })
    expect(res.status).toBe(200)
    const stats = (await (await fetch(`${users}/__faults/stats`)).json()) as { lastHeaders: Record<string, string> }
    expect(stats.lastHeaders.tracestate).toBe('1vendor=a,t@v@x=b')
  })
})
