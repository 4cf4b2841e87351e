/**
 * API keys under a real `deno serve` gateway, stored in Redis (the real redis-server
 * behind the local Upstash bridge): created through the admin routes of one instance,
 * accepted by another on the same Redis, and refused once revoked. Without Redis: keys
 * declared by hash in `SWITCHYARD_API_KEYS`, read-only.
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { DEV_IDENTITY_SECRET } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { findRedisServer, startRedisServer } from '../../scripts/redis-server.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startBridge } from '../../scripts/upstash-bridge.mjs'
import { startDenoStack, type DenoStack } from './support'

const TOKEN = 'deno-apikeys-token'
let redis: { url: string; stop: () => Promise<void> }
let bridge: { url: string; close: () => Promise<void> }
let stack: DenoStack
/** A second instance on the same Redis that keeps no looked-up key (`cacheTtlSeconds: 0`). */
let other: { base: string; stop: () => void }
/** An instance without Redis, its keys declared in SWITCHYARD_API_KEYS. */
let declared: { base: string; stop: () => void }
const DECLARED_ID = '00112233445566ff'
const DECLARED_SECRET = randomBytes(32).toString('base64url')
const DECLARED_KEY = `sy_${DECLARED_ID}_${DECLARED_SECRET}`

beforeAll(async () => {
  if (!findRedisServer()) throw new Error('redis-server not found: install it (Debian: apt-get install redis-server)')
  redis = await startRedisServer({ port: await freePort() })
  bridge = await startBridge({ redisUrl: redis.url, token: TOKEN })
  const env = { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: TOKEN, SWITCHYARD_RATE_LIMIT: 'off' }
  stack = await startDenoStack({ env })
  other = await startDenoGateway({
    urls: stack.origins.urls,
    port: await freePort(),
    env: { ...env, SWITCHYARD_IDENTITY_SECRET: DEV_IDENTITY_SECRET as string, SWITCHYARD_AUTH: JSON.stringify({ apiKeys: { cacheTtlSeconds: 0 } }) },
  })
  const sha256 = createHash('sha256').update(DECLARED_SECRET).digest('hex')
  declared = await startDenoGateway({
    urls: stack.origins.urls,
    port: await freePort(),
    env: {
      SWITCHYARD_RATE_LIMIT: 'off',
      SWITCHYARD_IDENTITY_SECRET: DEV_IDENTITY_SECRET as string,
      SWITCHYARD_API_KEYS: JSON.stringify({
        consumers: [{ id: 'reporting', name: 'reporting', scopes: ['orders:read'], roles: ['admin'], keys: [{ id: DECLARED_ID, sha256 }] }],
      }),
    },
  })
})

afterAll(async () => {
  declared?.stop()
  other?.stop()
  await stack?.stop()
  await bridge?.close()
  await redis?.stop()
})

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.gw.base}/admin/consumers${path}`, {
    ...init,
    headers: { ...stack.admin, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  })
const withKey = (base: string, key: string) => fetch(`${base}/api/v2/orders/1`, { headers: { 'x-api-key': key } })

describe('API keys in Redis (deno serve)', () => {
  it('a key made through the admin routes opens a route for keys, on every instance, until revoked', async () => {
    const created = await admin('', { method: 'POST', body: JSON.stringify({ name: 'reporting', scopes: ['orders:read'], roles: ['admin'], tier: 'pro' }) })
    expect(created.status).toBe(201)
    const consumer = (await created.json()) as { id: string; name: string; tier: string }
    expect(consumer).toMatchObject({ name: 'reporting', tier: 'pro' })
    // The same name again (a create sent twice): one consumer, the second answer 409.
    expect((await admin('', { method: 'POST', body: JSON.stringify({ name: 'reporting' }) })).status).toBe(409)
    const listed = (await (await admin('')).json()) as { consumers: { id: string }[] }
    expect(listed.consumers.map((c) => c.id)).toEqual([consumer.id])

    const made = await admin(`/${consumer.id}/keys`, { method: 'POST' })
    expect(made.status).toBe(201)
    const { key, id: keyId } = (await made.json()) as { key: string; id: string }
    expect(key).toMatch(/^sy_[0-9a-f]{16}_/)

    const here = await withKey(stack.gw.base, key)
    expect(here.status).toBe(200)
    expect(await here.json()).toMatchObject({ id: 1 })
    expect((await withKey(other.base, key)).status).toBe(200)
    // A wrong secret for the same key id is refused.
    expect((await withKey(stack.gw.base, key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).status).toBe(401)

    const keys = (await (await admin(`/${consumer.id}/keys`)).json()) as { keys: Record<string, unknown>[] }
    expect(keys.keys).toEqual([{ id: keyId, consumer_id: consumer.id, created_at: expect.any(String), revoked_at: null }])

    expect((await admin(`/${consumer.id}/keys/${keyId}`, { method: 'DELETE' })).status).toBe(204)
    // Revoking again (a DELETE sent twice) is the same 204; the first time stays.
    expect((await admin(`/${consumer.id}/keys/${keyId}`, { method: 'DELETE' })).status).toBe(204)
    const revokedAt = ((await (await admin(`/${consumer.id}/keys`)).json()) as { keys: { revoked_at: string }[] }).keys[0]!.revoked_at
    expect(revokedAt).toEqual(expect.any(String))
    expect(((await (await admin(`/${consumer.id}/keys`)).json()) as { keys: { revoked_at: string }[] }).keys[0]!.revoked_at).toBe(revokedAt)

    // At once on the instance that revoked it (its cached record dropped) and on one that keeps none.
    const refused = await withKey(stack.gw.base, key)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('invalid_key')
    expect((await withKey(other.base, key)).status).toBe(401)
  })

  it('answers 404 for an unknown consumer or key, never 500', async () => {
    expect((await admin('/cnope/keys', { method: 'POST' })).status).toBe(404)
    const consumer = (await (await admin('', { method: 'POST', body: JSON.stringify({ name: 'second' }) })).json()) as { id: string }
    expect((await admin(`/${consumer.id}/keys/0123456789abcdef`, { method: 'DELETE' })).status).toBe(404)
  })
})

describe('API keys declared in SWITCHYARD_API_KEYS (deno serve, no Redis)', () => {
  const declaredAdmin = (path: string, init: RequestInit = {}) =>
    fetch(`${declared.base}/admin/consumers${path}`, { ...init, headers: { ...stack.admin, 'content-type': 'application/json' } })

  it('a declared key opens a route for keys; a wrong secret for its id does not', async () => {
    const ok = await withKey(declared.base, DECLARED_KEY)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ id: 1 })
    const wrong = await withKey(declared.base, `sy_${DECLARED_ID}_${randomBytes(32).toString('base64url')}`)
    expect(wrong.status).toBe(401)
  })

  it('the admin routes list what is declared and refuse writes with 405', async () => {
    const listed = (await (await declaredAdmin('')).json()) as { consumers: { id: string }[] }
    expect(listed.consumers.map((c) => c.id)).toEqual(['reporting'])
    const keys = (await (await declaredAdmin('/reporting/keys')).json()) as { keys: { id: string }[] }
    expect(keys.keys.map((k) => k.id)).toEqual([DECLARED_ID])
    const create = await declaredAdmin('', { method: 'POST', body: JSON.stringify({ name: 'more' }) })
    expect(create.status).toBe(405)
    expect(create.headers.get('allow')).toBe('GET')
    expect(create.headers.get('content-type')).toContain('application/problem+json')
    expect((await declaredAdmin(`/reporting/keys/${DECLARED_ID}`, { method: 'DELETE' })).status).toBe(405)
    // Still accepted: nothing was revoked.
    expect((await withKey(declared.base, DECLARED_KEY)).status).toBe(200)
  })
})
