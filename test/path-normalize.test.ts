import { describe, expect, it } from 'vitest'
import { normalizePath, schemeAndHost } from '../src/proxy/path'
import { expectProblem, gateway, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

describe('schemeAndHost', () => {
  it.each([
    'http://gateway.example/api/v2/users/1?a=b',
    'https://gateway.example:8443/',
    'http://user:pass@gateway.example:8080/x#frag',
    'http://[::1]:8787/api?q=/x',
    'https://xn--bcher-kva.example/b?c@d',
  ])('%s gives what URL gives', (url) => {
    const parsed = new URL(url)
    expect(schemeAndHost(url)).toEqual({ scheme: parsed.protocol.replace(':', ''), host: parsed.host })
  })
})

describe('normalizePath', () => {
  it.each([
    ['/api/v2/users/1', '/api/v2/users/1'],
    ['/api/v2/%75sers/1', '/api/v2/users/1'],
    ['/api/v2//users///1', '/api/v2/users/1'],
    ['/api/v2/users/a%2dz', '/api/v2/users/a-z'],
    ['/api/v2/users/caf%c3%a9', '/api/v2/users/caf%C3%A9'],
    ['/api/v2/users/%2e%2e/orders', '/api/v2/orders'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path: expected })
  })

  it.each([
    ['/api/v2/users/1%2F..%2Forders', 'encoded slash'],
    ['/api/v2/users/1%5c..', 'encoded slash or backslash'],
    ['/api/v2/users/%00', 'control character'],
    ['/api/v2/users/%zz', 'malformed'],
    ['/api/v2/users/%4', 'malformed'],
    ['/%2e%2e/%2e%2e/etc', 'escapes the root'],
  ])('rejects %s (%s)', (raw, reason) => {
    const result = normalizePath(raw)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toContain(reason)
  })
})

describe('path normalization at the gateway', () => {
  it('routes and forwards the same resolved path for dot segments', async () => {
    await resetOrigin('orders')
    await resetOrigin('users')
    const res = await gateway('/api/v2/users/../orders/1', { headers: await bearer('ada') })
    expect(res.status).toBe(200)
    const orders = await originStats('orders')
    expect(orders.byPath['/orders/1']).toBe(1)
    expect((await originStats('users')).requests).toBe(0)
  })

  it('routes decoded unreserved characters to the canonical route', async () => {
    await resetOrigin('users')
    const res = await gateway('/api/v2/%75sers/1', { headers: await bearer('grace') })
    expect(res.status).toBe(200)
    expect((await originStats('users')).byPath['/users/1']).toBe(1)
  })

  it('collapses repeated slashes before routing', async () => {
    const res = await gateway('/api/v2//users//1', { headers: await bearer('grace') })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { id: number }).id).toBe(1)
  })

  it('rejects encoded slashes with 400 and never calls the origin', async () => {
    await resetOrigin('users')
    const body = await expectProblem(await gateway('/api/v2/users/1%2F..%2F..%2Forders'), 400)
    expect(String(body.detail)).toContain('encoded slash')
    expect((await originStats('users')).requests).toBe(0)
  })

  it('rejects encoded NUL and malformed escapes with 400', async () => {
    await expectProblem(await gateway('/api/v2/users/1%00'), 400)
    await expectProblem(await gateway('/api/v2/users/%zz'), 400)
  })

  it('answers 404 for a path that climbs out of the API', async () => {
    await expectProblem(await gateway('/api/v2/../../internal/admin'), 404)
  })
})
