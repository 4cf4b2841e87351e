import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { d1ConsumerStore } from '../src/apikeys/store'
import { customGateway, expectProblem } from './helpers'
import { bearer } from './tokens'

const db = (env as unknown as { GATEWAY_DB: D1Database }).GATEWAY_DB
const store = d1ConsumerStore(db)
// No isolate cache: a revocation is seen by the next request.
const gw = customGateway(
  {
    auth: { apiKeys: { cacheTtlSeconds: 0 } },
    rateLimit: { store: { kind: 'memory' }, policies: [{ name: 'burst', quota: 50, window: 60, tiers: { pro: { quota: 500 } } }] },
  },
  { apiKeyStore: store },
)

const json = (body: unknown, headers: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})
const withKey = (key: string) => ({ headers: { 'x-api-key': key } })

interface Consumer {
  id: string
  name: string
}
interface NewKey {
  id: string
  key: string
}

let admin: Record<string, string>
let reporting: Consumer
const run = crypto.randomUUID().slice(0, 8)

async function newKey(consumer: Consumer): Promise<NewKey> {
  const res = await gw.fetch(`/admin/consumers/${consumer.id}/keys`, { method: 'POST', headers: admin })
  expect(res.status).toBe(201)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return (await res.json()) as NewKey
}

beforeAll(async () => {
  admin = await bearer('grace')
  const res = await gw.fetch(
    '/admin/consumers',
    json({ name: `reporting-${run}`, scopes: ['users:read', 'orders:read'], roles: ['admin'], tier: 'pro' }, admin),
  )
  expect(res.status).toBe(201)
  reporting = (await res.json()) as Consumer
})

describe('API keys', () => {
  it('a key reaches a route that accepts keys, as the consumer, with its scopes and rate-limit tier', async () => {
    const { key } = await newKey(reporting)
    expect(key).toMatch(/^sy_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
    const res = await gw.fetch('/api/v2/users/1', withKey(key))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 1 })
    // Counted per consumer, in its tier.
    expect(res.headers.get('ratelimit-policy')).toBe('"burst";q=500;w=60')
  })

  it('is stored only as a hash; listing shows ids and dates, never a secret', async () => {
    const { key, id } = await newKey(reporting)
    const rows = await db.prepare('SELECT * FROM api_keys WHERE id = ?').bind(id).all<Record<string, unknown>>()
    expect(rows.results).toHaveLength(1)
    const stored = JSON.stringify(rows.results)
    expect(stored).not.toContain(key.split('_')[2])
    expect(rows.results[0]!.hash).toMatch(/^[0-9a-f]{64}$/)
    const list = (await (await gw.fetch(`/admin/consumers/${reporting.id}/keys`, { headers: admin })).json()) as { keys: object[] }
    expect(list.keys.length).toBeGreaterThanOrEqual(2)
    for (const k of list.keys) expect(Object.keys(k).sort()).toEqual(['consumer_id', 'created_at', 'id', 'revoked_at'])
  })

  it('several keys per consumer; revoking one leaves the other working', async () => {
    const first = await newKey(reporting)
    const second = await newKey(reporting)
    expect((await gw.fetch('/api/v2/orders/1', withKey(first.key))).status).toBe(200)
    const revoke = await gw.fetch(`/admin/consumers/${reporting.id}/keys/${first.id}`, { method: 'DELETE', headers: admin })
    expect(revoke.status).toBe(204)
    const refused = await gw.fetch('/api/v2/orders/1', withKey(first.key))
    await expectProblem(refused, 401)
    expect(refused.headers.get('www-authenticate')).toBe(
      'ApiKey realm="switchyard", header="X-API-Key", error="invalid_key", error_description="The API key is not valid"',
    )
    expect((await gw.fetch('/api/v2/orders/1', withKey(second.key))).status).toBe(200)
  })

  it.each([
    ['malformed', 'not-a-key'],
    ['unknown', `sy_0123456789abcdef_${'A'.repeat(43)}`],
  ])('a %s key → 401', async (_, key) => {
    const res = await gw.fetch('/api/v2/users/1', withKey(key))
    await expectProblem(res, 401)
    expect(res.headers.get('www-authenticate')).toMatch(/^ApiKey realm="switchyard", header="X-API-Key", error="invalid_key"/)
  })

  it('the right key id with another secret → 401', async () => {
    const { key } = await newKey(reporting)
    const forged = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
    await expectProblem(await gw.fetch('/api/v2/users/1', withKey(forged)), 401)
  })

  it('a route that takes tokens only ignores keys; one that takes either names both in its challenge', async () => {
    const { key } = await newKey(reporting)
    const tokenOnly = await gw.fetch('/api/v2/users/me', withKey(key))
    await expectProblem(tokenOnly, 401)
    expect(tokenOnly.headers.get('www-authenticate')).toBe('Bearer realm="switchyard"')
    const none = await gw.fetch('/api/v2/users/1')
    await expectProblem(none, 401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="switchyard", ApiKey realm="switchyard", header="X-API-Key"')
    // Tokens still work on routes that take either.
    expect((await gw.fetch('/api/v2/users/1', { headers: admin })).status).toBe(200)
  })

  it('both a token and a key → 400', async () => {
    const { key } = await newKey(reporting)
    await expectProblem(await gw.fetch('/api/v2/users/1', { headers: { ...admin, 'x-api-key': key } }), 400)
  })

  it('the consumer\'s scopes bound what a key reaches (403)', async () => {
    const created = await gw.fetch('/admin/consumers', json({ name: `catalogue-${run}`, scopes: ['orders:read'] }, admin))
    const { key } = await newKey((await created.json()) as Consumer)
    const res = await gw.fetch('/api/v2/users/1', withKey(key))
    await expectProblem(res, 403)
  })

  it('without a key store, keys are refused (401), tokens still work', async () => {
    const plain = customGateway()
    const { key } = await newKey(reporting)
    const res = await plain.fetch('/api/v2/users/1', withKey(key))
    await expectProblem(res, 401)
    expect(res.headers.get('www-authenticate')).toContain('not enabled')
    await expectProblem(await plain.fetch('/admin/consumers', { headers: admin }), 503)
  })
})

describe('API key administration', () => {
  it('is for admins with a token only', async () => {
    await expectProblem(await gw.fetch('/admin/consumers'), 401)
    await expectProblem(await gw.fetch('/admin/consumers', { headers: await bearer('ada') }), 403)
    const { key } = await newKey(reporting)
    // An admin consumer's key does not administer keys.
    await expectProblem(await gw.fetch('/admin/consumers', withKey(key)), 401)
    const list = (await (await gw.fetch('/admin/consumers', { headers: admin })).json()) as { consumers: Consumer[] }
    expect(list.consumers.map((c) => c.name)).toContain(`reporting-${run}`)
  })

  it.each([
    ['no name', {}],
    ['a name with spaces', { name: 'a b' }],
    ['a scope with a newline', { name: `x-${run}`, scopes: ['a\nb'] }],
    ['an unknown field', { name: `y-${run}`, owner: 'me' }],
  ])('refuses %s (400 problem+json)', async (_, body) => {
    await expectProblem(await gw.fetch('/admin/consumers', json(body, admin)), 400)
  })

  it('refuses a duplicate name (409), unknown consumers and keys (404), bodies that are not JSON (400/415)', async () => {
    await expectProblem(await gw.fetch('/admin/consumers', json({ name: `reporting-${run}` }, admin)), 409)
    await expectProblem(await gw.fetch('/admin/consumers/c0000000000000000/keys', { method: 'POST', headers: admin }), 404)
    await expectProblem(await gw.fetch(`/admin/consumers/${reporting.id}/keys/0123456789abcdef`, { method: 'DELETE', headers: admin }), 404)
    await expectProblem(
      await gw.fetch('/admin/consumers', { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{' }),
      400,
    )
    await expectProblem(await gw.fetch('/admin/consumers', { method: 'POST', headers: admin, body: 'name=x' }), 415)
  })
})

describe('API keys in the deployed Worker (GATEWAY_DB bound in wrangler.toml)', () => {
  it('an admin creates a consumer and a key; the key calls a route', async () => {
    const { gateway } = await import('./helpers')
    const created = await gateway('/admin/consumers', json({ name: `worker-${run}`, scopes: ['users:read'] }, admin))
    expect(created.status).toBe(201)
    const consumer = (await created.json()) as Consumer
    const issued = await gateway(`/admin/consumers/${consumer.id}/keys`, { method: 'POST', headers: admin })
    const { key } = (await issued.json()) as NewKey
    expect((await gateway('/api/v2/users/2', withKey(key))).status).toBe(200)
  })
})
