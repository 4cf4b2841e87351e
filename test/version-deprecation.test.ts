import { describe, expect, it } from 'vitest'
import { createGateway } from '../app/gateway'
import { workersConfig } from '../src/config/deployment'
import { customGateway as anonymousCustomGateway, expectProblem, gateway as anonymousGateway, originStats, resetOrigin } from './helpers'
import { callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)
const customGateway = (...args: Parameters<typeof anonymousCustomGateway>) => {
  const gw = anonymousCustomGateway(...args)
  return { ...gw, fetch: callingAs('grace', gw.fetch) }
}

/** `Link` header → { rel: target }. */
function links(res: Response): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (res.headers.get('link') ?? '').split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>.*;\s*rel="([^"]+)"/.exec(part)
    if (match) out[match[2]!] = match[1]!
  }
  return out
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

const schedule = (deprecatedAt: Date, sunsetAt: Date) => ({
  deprecations: {
    v1: {
      deprecatedAt: deprecatedAt.toISOString(),
      sunsetAt: sunsetAt.toISOString(),
      policyUrl: 'https://docs.example/v1-sunset',
    },
  },
})

describe('v1 is deprecated: RFC 9745 / RFC 8594 headers', () => {
  it('v1 responses carry Deprecation, Sunset and Link (deprecation, sunset, successor-version)', async () => {
    const res = await gateway('/api/v1/users/1')
    expect(res.status).toBe(200)
    expect(res.headers.get('deprecation')).toBe('@1782864000') // 2026-07-01T00:00:00Z, the default
    expect(res.headers.get('sunset')).toBe('Thu, 01 Jul 2027 00:00:00 GMT')
    expect(res.headers.get('sunset')).toMatch(IMF_FIXDATE)
    expect(links(res)).toEqual({
      deprecation: 'https://switchyard.example/docs/versions#v1-deprecation',
      sunset: 'https://switchyard.example/docs/versions#v1-deprecation',
      'successor-version': '/api/v2/users/1',
    })
  })

  it('Sunset is never before Deprecation', async () => {
    const res = await gateway('/api/v1/users/1')
    const deprecation = Number(res.headers.get('deprecation')!.slice(1)) * 1000
    expect(Date.parse(res.headers.get('sunset')!)).toBeGreaterThanOrEqual(deprecation)
  })

  it('a negotiated v1 (unversioned path) links to the versioned successor', async () => {
    const res = await gateway('/api/orders/1', { headers: { 'api-version': '1' } })
    expect(res.headers.get('deprecation')).toBe('@1782864000')
    expect(links(res)['successor-version']).toBe('/api/v2/orders/1')
  })

  it('v1 error responses are marked too; v2 responses are not', async () => {
    const missing = await gateway('/api/v1/users/999999')
    await expectProblem(missing, 404)
    expect(missing.headers.get('deprecation')).toBe('@1782864000')
    const v2 = await gateway('/api/v2/users/1')
    expect(v2.headers.get('deprecation')).toBeNull()
    expect(v2.headers.get('sunset')).toBeNull()
    expect(v2.headers.get('link')).toBeNull()
  })
})

describe('sunset: configurable, both sides of the date', () => {
  const now = Date.now()

  it('before the sunset v1 still answers, with the configured dates', async () => {
    const deprecatedAt = new Date(now - 86_400_000)
    const sunsetAt = new Date(now + 60_000)
    const gw = customGateway(schedule(deprecatedAt, sunsetAt))
    const res = await gw.fetch('/api/v1/users/1')
    expect(res.status).toBe(200)
    expect(res.headers.get('deprecation')).toBe(`@${Math.floor(deprecatedAt.getTime() / 1000)}`)
    expect(res.headers.get('sunset')).toBe(sunsetAt.toUTCString())
    expect(links(res).deprecation).toBe('https://docs.example/v1-sunset')
  })

  it('after the sunset v1 answers 410 problem+json, without calling the origin; v2 is unaffected', async () => {
    await resetOrigin('users')
    const sunsetAt = new Date(now - 1000)
    const gw = customGateway(schedule(new Date(now - 86_400_000), sunsetAt))
    for (const [path, headers] of [['/api/v1/users/1', {}], ['/api/users/1', { 'accept-version': '1' }]] as const) {
      const res = await gw.fetch(path, { headers })
      const body = await expectProblem(res, 410)
      expect(body.type).toBe('https://switchyard.example/problems#version-sunset')
      expect(body.successor).toBe('v2')
      expect(body.detail).toContain('/api/v2/users/1')
      expect(res.headers.get('sunset')).toBe(sunsetAt.toUTCString())
      expect(links(res)['successor-version']).toBe('/api/v2/users/1')
      expect(res.headers.get('api-version')).toBe('v1')
    }
    expect((await originStats('users')).requests).toBe(0)
    expect((await gw.fetch('/api/v2/users/1')).status).toBe(200)
  })

  it('a deprecation announced for the future is sent as it is', async () => {
    const deprecatedAt = new Date(now + 30 * 86_400_000)
    const gw = customGateway(schedule(deprecatedAt, new Date(now + 365 * 86_400_000)))
    const res = await gw.fetch('/api/v1/users/1')
    expect(res.status).toBe(200)
    expect(res.headers.get('deprecation')).toBe(`@${Math.floor(deprecatedAt.getTime() / 1000)}`)
  })
})

describe('deprecation config is checked at start-up', () => {
  const build = (extra: object) => () => createGateway({ ...workersConfig(), ...extra }, { bindings: () => ({ fetch }) })

  it('a Sunset earlier than the Deprecation is refused', () => {
    expect(build(schedule(new Date('2027-01-01'), new Date('2026-01-01')))).toThrow(/sunsetAt must not be earlier than deprecatedAt/)
  })

  it('deprecating the newest or an unknown version is refused', () => {
    const v = { deprecatedAt: '2026-01-01T00:00:00Z', sunsetAt: '2027-01-01T00:00:00Z', policyUrl: 'https://x.example/' }
    expect(build({ deprecations: { v2: v } })).toThrow(/v2 is the newest version/)
    expect(build({ deprecations: { v5: v } })).toThrow(/v5 is not a supported version/)
  })

  it('a malformed date is refused', () => {
    const bad = { deprecatedAt: 'yesterday', sunsetAt: '2027-01-01T00:00:00Z', policyUrl: 'https://x.example/' }
    expect(build({ deprecations: { v1: bad } })).toThrow(/invalid gateway config/)
  })
})
