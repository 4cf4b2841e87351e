import { beforeEach, describe, expect, it } from 'vitest'
import { customGateway as anonymousCustomGateway, expectProblem, gateway as anonymousGateway, originStats, resetOrigin } from './helpers'
import { callingAs } from './tokens'
import { appendVary } from '../middleware/response-headers'
import { versionParams } from '../src/versioning/negotiate'

/** API routes need a token: these tests call as the seeded admin. */
const gateway = callingAs('grace', anonymousGateway)
const customGateway = (...args: Parameters<typeof anonymousCustomGateway>) => {
  const gw = anonymousCustomGateway(...args)
  return { ...gw, fetch: callingAs('grace', gw.fetch) }
}

const ADA_V1 = { id: 1, name: 'Ada Lovelace' }
const ADA_V2 = { ...ADA_V1, email: 'ada@example.com', role: 'customer', created_at: '2026-01-01T09:00:00.000Z' }

const get = (path: string, headers: Record<string, string> = {}) => gateway(path, { headers })

function expectVersioned(res: Response, version: string): void {
  expect(res.headers.get('api-version')).toBe(version)
  const vary = (res.headers.get('vary') ?? '').split(',').map((s) => s.trim().toLowerCase())
  expect(vary).toEqual(expect.arrayContaining(['accept', 'accept-version', 'api-version']))
}

describe('the same user, fetched five ways', () => {
  it('v1 path → the v1 shape', async () => {
    const res = await get('/api/v1/users/1')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(ADA_V1)
    expectVersioned(res, 'v1')
  })

  it('v2 path → the v2 shape', async () => {
    const res = await get('/api/v2/users/1')
    expect(await res.json()).toEqual(ADA_V2)
    expectVersioned(res, 'v2')
    expect(res.headers.get('deprecation')).toBeNull()
  })

  it('media type → that version, answered in the same vendor media type', async () => {
    const v1 = await get('/api/users/1', { accept: 'application/vnd.switchyard.v1+json' })
    expect(await v1.json()).toEqual(ADA_V1)
    expectVersioned(v1, 'v1')
    expect(v1.headers.get('content-type')).toBe('application/vnd.switchyard.v1+json')
    const v2 = await get('/api/users/1', { accept: 'application/vnd.switchyard.v2+json' })
    expect(await v2.json()).toEqual(ADA_V2)
    expect(v2.headers.get('content-type')).toBe('application/vnd.switchyard.v2+json')
  })

  it('Accept-Version and API-Version headers, as 1 or v1', async () => {
    for (const [name, value] of [['accept-version', '1'], ['api-version', '1'], ['api-version', 'v1']] as const) {
      const res = await get('/api/users/1', { [name]: value })
      expect(await res.json()).toEqual(ADA_V1)
      expectVersioned(res, 'v1')
    }
    const v2 = await get('/api/users/1', { 'accept-version': '2' })
    expect(await v2.json()).toEqual(ADA_V2)
  })

  it('query ?version= on an unversioned path', async () => {
    const v1 = await get('/api/users/1?version=1')
    expect(await v1.json()).toEqual(ADA_V1)
    expectVersioned(v1, 'v1')
    const v2 = await get('/api/users/1?version=v2')
    expect(await v2.json()).toEqual(ADA_V2)
    expectVersioned(v2, 'v2')
  })
})

describe('defaults and precedence', () => {
  beforeEach(() => resetOrigin('users'))

  it('no signal → the configured default (v2), also as API-Version', async () => {
    const res = await get('/api/users/1')
    expect(await res.json()).toEqual(ADA_V2)
    expectVersioned(res, 'v2')
  })

  it('the default comes from config', async () => {
    const gw = customGateway({ versions: { supported: ['v1', 'v2'], default: 'v1' } })
    const res = await gw.fetch('/api/users/1')
    expect(await res.json()).toEqual(ADA_V1)
    expect(res.headers.get('api-version')).toBe('v1')
  })

  it('signals that agree are fine', async () => {
    const res = await get('/api/v1/users/1?version=1', {
      accept: 'application/vnd.switchyard.v1+json',
      'accept-version': 'v1',
      'api-version': '1',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(ADA_V1)
  })

  it('Accept weights: the most preferred vendor version wins, q=0 is refused', async () => {
    const weighted = await get('/api/users/1', {
      accept: 'application/vnd.switchyard.v1+json;q=0.4, application/vnd.switchyard.v2+json',
    })
    expect(weighted.headers.get('api-version')).toBe('v2')
    const refused = await get('/api/users/1', { accept: 'application/vnd.switchyard.v2+json;q=0, */*' })
    expect(refused.headers.get('api-version')).toBe('v2')
    const browserLike = await get('/api/users/1', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })
    expect(browserLike.status).toBe(200)
  })

  it.each([
    ['/api/v1/users/1', { 'api-version': '2' }, ['path', 'api-version']],
    ['/api/v2/users/1', { accept: 'application/vnd.switchyard.v1+json' }, ['path', 'accept']],
    ['/api/users/1', { accept: 'application/vnd.switchyard.v2+json', 'accept-version': '1' }, ['accept', 'accept-version']],
    ['/api/users/1', { 'accept-version': '1', 'api-version': '2' }, ['accept-version', 'api-version']],
    ['/api/users/1?version=1', { 'api-version': '2' }, ['api-version', 'query']],
    ['/api/v2/users/1?version=1', {}, ['path', 'query']],
    ['/api/users/1?version=1&version=2', {}, ['query', 'query']],
    [
      '/api/users/1',
      { accept: 'application/vnd.switchyard.v1+json, application/vnd.switchyard.v2+json' },
      ['accept', 'accept'],
    ],
  ])('conflict %s %j → 400 naming both', async (path, headers, sources) => {
    const body = await expectProblem(await get(path, headers), 400)
    expect(body.type).toBe('https://switchyard.example/problems#conflicting-versions')
    const conflicts = body.conflicts as { source: string; version: string }[]
    expect(conflicts.map((c) => c.source)).toEqual(sources)
    expect(new Set(conflicts.map((c) => c.version))).toEqual(new Set(['v1', 'v2']))
    expect(body.detail).toMatch(/asks for v[12] but .* asks for v[12]/)
    expect((await originStats('users')).requests).toBe(0)
  })
})

describe('malformed and unknown versions → 400 listing the supported versions', () => {
  beforeEach(() => resetOrigin('users'))

  it.each([
    ['/api/v3/users/1', {}, 'unsupported-version', 'path'],
    ['/api/v0/users/1', {}, 'invalid-version', 'path'],
    ['/api/v2.1/users/1', {}, 'invalid-version', 'path'],
    ['/api/V2/users/1', {}, 'invalid-version', 'path'],
    ['/api/v2beta/users/1', {}, 'invalid-version', 'path'],
    ['/api/users/1', { 'api-version': 'two' }, 'invalid-version', 'api-version'],
    ['/api/users/1', { 'api-version': '2, 1' }, 'invalid-version', 'api-version'],
    ['/api/users/1', { 'accept-version': '07' }, 'invalid-version', 'accept-version'],
    ['/api/users/1', { 'api-version': '3' }, 'unsupported-version', 'api-version'],
    ['/api/users/1?version=', {}, 'invalid-version', 'query'],
    ['/api/users/1?version=9', {}, 'unsupported-version', 'query'],
    ['/api/users/1', { accept: 'application/vnd.switchyard.vx+json' }, 'invalid-version', 'accept'],
    ['/api/users/1', { accept: 'application/vnd.switchyard.v2+xml' }, 'invalid-version', 'accept'],
    ['/api/users/1', { accept: 'application/vnd.switchyard.v7+json' }, 'unsupported-version', 'accept'],
    ['/api/v2/users/1', { 'api-version': '9' }, 'unsupported-version', 'api-version'],
  ])('%s %j → %s from %s', async (path, headers, type, source) => {
    const res = await get(path, headers)
    const body = await expectProblem(res, 400)
    expect(body.type).toBe(`https://switchyard.example/problems#${type}`)
    expect(body.source).toBe(source)
    expect(body.supported).toEqual(['v1', 'v2'])
    expect(body.detail).toContain('Supported versions: v1, v2.')
    expect(res.headers.get('vary')).toContain('API-Version')
    expect((await originStats('users')).requests).toBe(0)
  })

  it('a huge header value is cut in the detail', async () => {
    const body = await expectProblem(await get('/api/users/1', { 'api-version': 'x'.repeat(5000) }), 400)
    expect((body.detail as string).length).toBeLessThan(200)
  })
})

describe('what the origin and other paths see', () => {
  it('a vendor Content-Type reaches the origin as application/json', async () => {
    await resetOrigin('users')
    const res = await gateway('/api/users/3', {
      method: 'PATCH',
      headers: { 'content-type': 'application/vnd.switchyard.v2+json' },
      body: JSON.stringify({ name: 'Alan Turing' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('api-version')).toBe('v2')
    expect((await originStats('users')).lastHeaders['content-type']).toBe('application/json')
  })

  it('unversioned paths keep 404 and 405 semantics under the negotiated version', async () => {
    const missing = await get('/api/nope', { 'api-version': '1' })
    await expectProblem(missing, 404)
    expect(missing.headers.get('api-version')).toBe('v1')
    const wrongMethod = await gateway('/api/users/1', { method: 'DELETE' })
    await expectProblem(wrongMethod, 405)
    expect(wrongMethod.headers.get('api-version')).toBe('v2')
  })

  it('paths outside /api carry no version', async () => {
    const res = await get('/health/live', { 'api-version': 'nonsense' })
    expect(res.status).toBe(200)
    expect(res.headers.get('api-version')).toBeNull()
  })

  it('HEAD on an unversioned path', async () => {
    const res = await gateway('/api/users/1?version=1', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('api-version')).toBe('v1')
    expect(await res.text()).toBe('')
  })
})

describe('the version query parameter, as URLSearchParams reads it', () => {
  it('a percent-encoded key is still `version`', async () => {
    const v1 = await get('/api/users/1?%76ersion=1')
    expect(await v1.json()).toEqual(ADA_V1)
    expectVersioned(v1, 'v1')
    const body = await expectProblem(await get('/api/users/1?ver%73ion=9'), 400)
    expect(body.type).toBe('https://switchyard.example/problems#unsupported-version')
    expect(body.source).toBe('query')
  })

  it('parameters that only mention it are no signal', async () => {
    for (const path of ['/api/users/1?versions=1', '/api/users/1?x=version', '/api/users/1?n=%31']) {
      const res = await get(path)
      expect(await res.json()).toEqual(ADA_V2)
      expectVersioned(res, 'v2')
    }
  })

  it.each([
    'http://gw.example/api/users/1',
    'http://gw.example/api/users/1?',
    'http://gw.example/api/users/1?version=1',
    'http://gw.example/api/users/1?a=1&version=2&version=v1',
    'http://gw.example/api/users/1?%76ersion=1&ver%73ion=2',
    'http://gw.example/api/users/1?version+=1&version%20=2&versio=3',
    'http://gw.example/api/users/1?version=%31#version=2',
    'http://gw.example/api/users/1#?version=2',
    'http://gw.example/api/users/1?x=version',
  ])('versionParams(%s) = URL.searchParams.getAll', (url) => {
    const serialized = new Request(url).url
    expect(versionParams(serialized)).toEqual(new URL(serialized).searchParams.getAll('version'))
  })
})

describe('Vary, merged', () => {
  /** The reference: every present name kept (trimmed), each new one added once, `*` left alone. */
  function reference(vary: string | null, names: string[]): string | null {
    const current = (vary ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    if (current.includes('*')) return vary
    const seen = new Set(current.map((s) => s.toLowerCase()))
    const added = names.filter((n) => !seen.has(n.toLowerCase()))
    return added.length > 0 ? [...current, ...added].join(', ') : vary
  }

  it.each([
    [null, ['Accept', 'Accept-Version', 'API-Version']],
    ['Origin', ['Accept', 'Accept-Version', 'API-Version']],
    ['accept, origin', ['Accept', 'Accept-Version', 'API-Version']],
    [' Accept ,, API-Version', ['Accept', 'Accept-Version', 'API-Version']],
    ['Accept, Accept-Version, API-Version, Origin', ['Accept', 'Accept-Version', 'API-Version']],
    ['*', ['Accept']],
    ['Origin, *', ['Accept']],
    [null, []],
  ])('%j + %j', (vary, names) => {
    const headers = new Headers(vary === null ? {} : { vary })
    appendVary(headers, names)
    expect(headers.get('vary')).toBe(reference(vary === null ? null : new Headers({ vary }).get('vary'), names))
  })
})
