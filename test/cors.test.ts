import { describe, expect, it } from 'vitest'
import { compilePolicy, corsPolicies } from '../src/cors/policy'
import { corsConfigSchema, corsFromEnv } from '../src/cors/config'
import { customGateway, expectProblem } from './helpers'
import { bearer } from './tokens'

const APP = 'http://localhost:5173'
const gw = customGateway({
  cors: { origins: [APP, 'https://*.preview.example.com'], credentials: true },
  rateLimit: { store: { kind: 'memory' }, policies: [{ name: 'burst', quota: 2, window: 60 }] },
})

const preflight = (path: string, origin: string, method = 'GET', headers = 'authorization') =>
  gw.fetch(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  })

describe('CORS preflights', () => {
  it('an allowed origin gets 204 with its origin, methods, headers and max age, before auth and limits', async () => {
    // Three preflights with a limit of two, none with a token: none is refused or counted.
    for (let i = 0; i < 3; i++) {
      const res = await preflight('/api/v2/users/me', APP)
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(res.headers.get('access-control-allow-methods')).toContain('GET')
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toContain('authorization')
      expect(res.headers.get('access-control-allow-credentials')).toBe('true')
      expect(res.headers.get('access-control-max-age')).toBe('600')
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/)
      expect(res.headers.get('ratelimit')).toBeNull()
    }
    const real = await gw.fetch('/api/v2/users/me', { headers: { origin: APP, ...(await bearer('ada')) } })
    expect(real.status).toBe(200)
    expect(real.headers.get('ratelimit')).toContain('r=1')
  })

  it('a pattern origin is allowed; a look-alike is not', async () => {
    const ok = await preflight('/api/v2/orders', 'https://pr-42.preview.example.com', 'POST', 'content-type')
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://pr-42.preview.example.com')
    for (const origin of ['https://preview.example.com', 'https://x.preview.example.com.evil.example', 'http://x.preview.example.com']) {
      const res = await preflight('/api/v2/orders', origin, 'POST')
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('a disallowed origin gets no Access-Control-* header, on preflights and real calls alike', async () => {
    const res = await preflight('/api/v2/users/me', 'http://evil.example')
    expect(res.status).toBe(204)
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/)
    expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
    const real = await gw.fetch('/api/v2/inventory/SKU-RED-MUG', { headers: { origin: 'http://evil.example' } })
    expect([...real.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
    expect(real.headers.get('vary')).toMatch(/\bOrigin\b/)
  })

  it('an error answer (401) carries the CORS headers, so the page can read it', async () => {
    const res = await gw.fetch('/api/v2/users/me', { headers: { origin: APP } })
    await expectProblem(res, 401)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(res.headers.get('access-control-expose-headers')).toContain('RateLimit')
  })

  it('an OPTIONS without Access-Control-Request-Method is no preflight: 405 as before', async () => {
    const res = await gw.fetch('/api/v2/users/me', { method: 'OPTIONS', headers: { origin: APP } })
    await expectProblem(res, 405)
  })
})

describe('CORS policy', () => {
  it('exposes the headers a browser client reads', () => {
    const config = corsConfigSchema.parse({})
    expect(config.origins).toEqual([])
    for (const name of ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'traceresponse', 'API-Version', 'Deprecation', 'Sunset', 'Location']) {
      expect(config.exposeHeaders).toContain(name)
    }
  })

  it('a route override replaces the global fields it names', () => {
    const global = corsConfigSchema.parse({ origins: [APP] })
    const policyOf = corsPolicies(global)
    const open = policyOf({ origins: ['*'], maxAgeSeconds: 60 }, '/api/v2/public/:id')
    expect(open.allowOrigin('https://anyone.example')).toBe('https://anyone.example')
    expect(open.maxAgeSeconds).toBe(60)
    expect(policyOf(undefined, '/api/v2/users/:id').allowOrigin('https://anyone.example')).toBeNull()
    expect(policyOf(undefined, '/api/v2/users/:id').allowOrigin(APP)).toBe(APP)
    expect(() => policyOf({ origins: ['nope'] }, '/api/v2/bad')).toThrow(/\/api\/v2\/bad: invalid cors override/)
  })

  it('refuses * with credentials, malformed origins and bad JSON', () => {
    expect(corsConfigSchema.safeParse({ origins: ['*'], credentials: true }).success).toBe(false)
    expect(corsConfigSchema.safeParse({ origins: ['https://app.example.com/'] }).success).toBe(false)
    expect(corsConfigSchema.safeParse({ origins: ['HTTPS://APP.example.com'] }).success).toBe(false)
    expect(() => corsFromEnv({ SWITCHYARD_CORS: '{nope' })).toThrow(/SWITCHYARD_CORS/)
    expect(compilePolicy(corsConfigSchema.parse({ origins: ['*'] })).allowOrigin('null')).toBeNull()
  })
})
