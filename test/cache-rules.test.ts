import { describe, expect, it } from 'vitest'
import { cachingFromEnv } from '../src/cache/config'
import { decide } from '../src/cache/entry'
import { baseKey, variantKey, varyNames } from '../src/cache/key'
import { formatCacheStatus } from '../src/cache/status'
import { gateway, originStats, resetOrigin } from './helpers'
import { untilCacheHit } from './support/cache-hit'

const KEY = 'http://gateway.test/.switchyard/cache/v2/public/any/x'
const response = (headers: Record<string, string>, status = 200) => new Response('{}', { status, headers })
const reason = (headers: Record<string, string>, shared = true, status = 200) => {
  const d = decide(KEY, new Headers(), response(headers, status), shared)
  return d.store ? 'store' : d.reason
}

describe('what may be stored', () => {
  it.each([
    [{ 'cache-control': 'public, max-age=60' }, 'store'],
    [{ 'cache-control': 's-maxage=60' }, 'store'],
    [{ 'cache-control': 'public, max-age=60, stale-while-revalidate=30' }, 'store'],
    // the origin must allow a shared cache explicitly
    [{ 'cache-control': 'max-age=60' }, 'not-public'],
    [{ 'cache-control': 'private, max-age=60' }, 'not-public'],
    [{ 'cache-control': 'public, s-maxage=60, private' }, 'not-storable'],
    [{ 'cache-control': 'public, max-age=60, no-store' }, 'no-store'],
    [{ 'cache-control': 'public, max-age=0' }, 'expired'],
    // no heuristic freshness: an explicit lifetime is required
    [{ 'cache-control': 'public' }, 'no-max-age'],
    [{ 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 'no-max-age'],
    [{}, 'no-max-age'],
    // cookies and Vary: * are never stored
    [{ 'cache-control': 'public, max-age=60', 'set-cookie': 'a=1' }, 'set-cookie'],
    [{ 'cache-control': 'public, max-age=60', vary: '*' }, 'vary-star'],
  ])('%j → %s', (headers, expected) => {
    expect(reason(headers)).toBe(expected)
  })

  it('only 200s', () => {
    expect(reason({ 'cache-control': 'public, max-age=60' }, true, 404)).toBe('status')
    expect(reason({ 'cache-control': 'public, max-age=60' }, true, 206)).toBe('status')
  })

  it('a per-user entry may keep a private answer, never a no-store one', () => {
    expect(reason({ 'cache-control': 'private, max-age=60' }, false)).toBe('store')
    expect(reason({ 'cache-control': 'private, no-store, max-age=60' }, false)).toBe('no-store')
  })

  it('keeps only representation headers: nothing of one request is replayed to another', () => {
    const d = decide(
      KEY,
      new Headers(),
      response({ 'cache-control': 'public, max-age=60', 'content-type': 'application/json', 'x-request-id': 'r1', ratelimit: '"burst";r=1;t=1', etag: '"a"' }),
      true,
    )
    expect(d.store && Object.keys(d.policy.toObject().resh).sort()).toEqual(['cache-control', 'content-type', 'etag'])
  })
})

describe('keys', () => {
  const parts = { origin: 'https://api.example', version: 'v2', path: '/inventory/A', search: '?q=1' }
  it('hold the version, the scope, the path and the query', () => {
    expect(baseKey(parts)).toBe('https://api.example/.switchyard/cache/v2/public/any/inventory/A?q=1')
    expect(baseKey({ ...parts, user: 'a/b' })).toBe('https://api.example/.switchyard/cache/v2/user/a%2Fb/any/inventory/A?q=1')
  })

  it('a variant key digests the Vary values (whitespace-insensitive), never spells them out', async () => {
    const a = await variantKey(parts, ['accept'], new Headers({ accept: 'text/csv, application/json;q=0.5' }))
    const b = await variantKey(parts, ['accept'], new Headers({ accept: 'text/csv,application/json;q=0.5' }))
    const c = await variantKey(parts, ['accept'], new Headers())
    expect(a).toBe(b)
    expect(a).not.toBe(c)
    expect(a).toMatch(/\/vary-[0-9a-f]{32}\/inventory\/A\?q=1$/)
    expect(a).not.toContain('csv')
  })

  it('Vary names are normalized; * is its own case', () => {
    expect(varyNames('Prefer, Accept-Language ,prefer')).toEqual(['accept-language', 'prefer'])
    expect(varyNames('Accept, *')).toBe('*')
    expect(varyNames(null)).toEqual([])
  })
})

describe('deployment variables', () => {
  it('turn the cache and coalescing off, or name the storage; unset means on', () => {
    expect(cachingFromEnv({})).toEqual({ enabled: true, coalesce: true })
    expect(cachingFromEnv({ SWITCHYARD_CACHE: 'off', SWITCHYARD_COALESCE: 'off', SWITCHYARD_CACHE_NAME: 'edge' })).toEqual({
      enabled: false,
      coalesce: false,
      name: 'edge',
    })
  })
})

describe('Cache-Status (RFC 9211)', () => {
  it('formats members', () => {
    expect(formatCacheStatus('switchyard', { hit: true, ttl: 12.7 })).toBe('switchyard; hit; ttl=12')
    expect(formatCacheStatus('switchyard', { fwd: 'uri-miss', fwdStatus: 200, stored: true })).toBe(
      'switchyard; fwd=uri-miss; fwd-status=200; stored',
    )
    expect(formatCacheStatus('switchyard', { fwd: 'bypass', detail: 'two words' })).toBe('switchyard; fwd=bypass; detail="two words"')
  })
})

describe('the deployed gateway (caches.default)', () => {
  it('stores a public document and serves the next request from the cache', async () => {
    await resetOrigin('inventory')
    // A query of this test's own: the key is new whatever ran before.
    const path = `/api/v2/inventory/openapi.json?run=${crypto.randomUUID()}`
    const first = await gateway(path)
    expect(first.headers.get('cache-status')).toBe('switchyard; fwd=uri-miss; fwd-status=200; stored')
    await first.text()
    const { hit, misses } = await untilCacheHit(() => gateway(path))
    expect(hit.headers.get('cache-status')).toMatch(/^switchyard; hit; ttl=(29[0-9]|300)$/)
    expect((await originStats('inventory')).byPath['/inventory/openapi.json']).toBe(1 + misses)
  })

  it('stock levels of the test origins say no-store: other tests count every call', async () => {
    const res = await gateway('/api/v2/inventory/SKU-LIMITED-PIN')
    expect(res.headers.get('cache-status')).toBe('switchyard; fwd=uri-miss; fwd-status=200; detail=no-store')
  })
})
