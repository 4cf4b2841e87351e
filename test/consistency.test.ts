import { describe, expect, it } from 'vitest'
import { expectProblem, gateway as anonymousGateway } from './helpers'
import { callingAs } from './tokens'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)

const varies = (res: Response) => (res.headers.get('vary') ?? '').split(',').map((s) => s.trim().toLowerCase())

describe('every /api answer names its version, errors included', () => {
  it('413 (body over the cap, refused before negotiation) carries API-Version and Vary', async () => {
    const res = await gateway('/api/v2/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    })
    await expectProblem(res, 413)
    expect(res.headers.get('api-version')).toBe('v2')
    expect(varies(res)).toEqual(expect.arrayContaining(['accept', 'accept-version', 'api-version']))
  })

  it('400 for a path too malformed to route still varies on the version signals', async () => {
    const res = await gateway('/api/v2/users/a%2Fb')
    await expectProblem(res, 400)
    expect(varies(res)).toEqual(expect.arrayContaining(['accept', 'accept-version', 'api-version']))
  })

  it('400 validation and 401 carry the negotiated version', async () => {
    const invalid = await gateway('/api/users/abc', { headers: { 'api-version': '1' } })
    await expectProblem(invalid, 400)
    expect(invalid.headers.get('api-version')).toBe('v1')
    const unauthenticated = await anonymousGateway('/api/v2/users/1')
    await expectProblem(unauthenticated, 401)
    expect(unauthenticated.headers.get('api-version')).toBe('v2')
    expect(varies(unauthenticated)).toContain('api-version')
  })
})

describe('a problem names the path the client sent', () => {
  it('an unversioned path: not the path it was routed on', async () => {
    const body = await expectProblem(await gateway('/api/users/abc'), 400)
    expect(body.instance).toBe('/api/users/abc')
  })

  it('an unknown path and a 405 alike', async () => {
    expect((await expectProblem(await gateway('/api/orders/1/nope'), 404)).instance).toBe('/api/orders/1/nope')
    expect((await expectProblem(await gateway('/api/users/1', { method: 'DELETE' }), 405)).instance).toBe('/api/users/1')
  })

  it("an origin's problem passes with the public path and Cache-Control: no-store", async () => {
    const res = await gateway('/api/v2/orders/999999')
    const body = await expectProblem(res, 404)
    expect(body.instance).toBe('/api/v2/orders/999999')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(body.type).toBe('https://switchyard.example/problems#not-found')
  })
})
