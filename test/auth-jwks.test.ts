import { generateKeyPair, SignJWT } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway, originStats, resetOrigin, setFault } from './helpers'
import { bearer, claimsFor } from './tokens'

const JWKS_PATH = '/.well-known/jwks.json'
const jwksFetches = async () => (await originStats('auth')).byPath[JWKS_PATH] ?? 0
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A well-formed token signed by a key the issuer never published. */
async function unknownKidToken(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT(claimsFor('ada')).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey)
}

describe('JWKS cache (fetched over the AUTH service binding)', () => {
  beforeEach(async () => {
    await resetOrigin('auth')
    await resetOrigin('users')
  })

  it('1000 requests → exactly one JWKS fetch', async () => {
    const gw = customGateway()
    const headers = await bearer('ada')
    // The first request fills the cache; the rest arrive 50 at a time.
    expect((await gw.fetch('/api/v2/users/me', { headers })).status).toBe(200)
    for (let sent = 1; sent < 1000; sent += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, 1000 - sent) }, () => gw.fetch('/api/v2/users/me', { headers })),
      )
      for (const res of batch) {
        expect(res.status).toBe(200)
        await res.body?.cancel()
      }
    }
    expect((await originStats('users')).requests).toBe(1000)
    expect(await jwksFetches()).toBe(1)
  })

  it('unknown kids within the cooldown cause no fetch', async () => {
    const gw = customGateway({ auth: { jwksCache: { cooldownMs: 60_000 } } })
    expect((await gw.fetch('/api/v2/users/me', { headers: await bearer('ada') })).status).toBe(200)
    for (let i = 0; i < 20; i++) {
      const token = await unknownKidToken(`flood-${i}`)
      await expectProblem(await gw.fetch('/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } }), 401)
    }
    expect(await jwksFetches()).toBe(1)
  })

  it('an unknown kid after the cooldown refetches once', async () => {
    const gw = customGateway({ auth: { jwksCache: { cooldownMs: 100 } } })
    expect((await gw.fetch('/api/v2/users/me', { headers: await bearer('ada') })).status).toBe(200)
    await sleep(300)
    for (let i = 0; i < 5; i++) {
      const token = await unknownKidToken(`late-${i}`)
      await expectProblem(await gw.fetch('/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } }), 401)
    }
    expect(await jwksFetches()).toBe(2)
  })

  it('keys that cannot be fetched → 503 problem with Retry-After, then recovery', async () => {
    await setFault('auth', { mode: 'status', status: 500, paths: JWKS_PATH })
    const gw = customGateway()
    const res = await gw.fetch('/api/v2/users/me', { headers: await bearer('ada') })
    const body = await expectProblem(res, 503)
    expect(body.type).toContain('auth-unavailable')
    expect(res.headers.get('retry-after')).toBe('5')
    await resetOrigin('auth')
    expect((await gw.fetch('/api/v2/users/me', { headers: await bearer('ada') })).status).toBe(200)
    expect((await originStats('users')).requests).toBe(1)
  })

  it('a JWKS fetch that hangs is cut at the timeout → 503', async () => {
    await setFault('auth', { mode: 'hang', paths: JWKS_PATH })
    const gw = customGateway({ auth: { jwksCache: { timeoutMs: 300 } } })
    await expectProblem(await gw.fetch('/api/v2/users/me', { headers: await bearer('ada') }), 503)
    await resetOrigin('auth')
  })

  it('the gateway publishes the JWKS at /.well-known/jwks.json', async () => {
    const res = await gateway(JWKS_PATH)
    expect(res.status).toBe(200)
    const { keys } = (await res.json()) as { keys: { kid: string; alg: string; use: string }[] }
    expect(keys.map((k) => [k.kid, k.alg, k.use])).toEqual([['dev-2026-01', 'ES256', 'sig']])
  })
})
