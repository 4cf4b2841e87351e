/**
 * Signing-key rotation (README "Signing keys"), with the auth Worker as three real
 * deployments sharing one database: AUTH (signs with dev-2026-01), AUTH_NEXT (publishes
 * both keys, signs with dev-2026-07) and AUTH_RETIRED (dev-2026-01 removed).
 */
import { env } from 'cloudflare:workers'
import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { customGateway, expectProblem } from './helpers'
import { DEV_USERS, type DevUser } from './tokens'

const bindings = env as unknown as Record<string, Fetcher>
type Gateway = ReturnType<typeof customGateway>

async function login(gw: Gateway, user: DevUser): Promise<string> {
  const { email, password } = DEV_USERS[user]
  const res = await gw.fetch('/api/v2/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

const me = (gw: Gateway, token: string) => gw.fetch('/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } })
const kids = async (gw: Gateway) =>
  ((await (await gw.fetch('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)

/** A gateway whose AUTH binding points at whichever auth deployment is current. */
function rotatingGateway(jwksCache: Record<string, number>) {
  let current = bindings.AUTH!
  const auth: Pick<Fetcher, 'fetch'> = { fetch: (input, init) => current.fetch(input, init) }
  const gw = customGateway({ auth: { jwksCache } }, { bindings: (name) => (name === 'AUTH' ? auth : bindings[name]) })
  return { gw, deploy: (name: string) => (current = bindings[name]!) }
}

describe('signing-key rotation', () => {
  it('old-key tokens stay valid while the new key signs; removing the old key rejects them', async () => {
    const { gw, deploy } = rotatingGateway({ cooldownMs: 0, maxAgeMs: 200 })
    const oldToken = await login(gw, 'ada')
    expect(decodeProtectedHeader(oldToken).kid).toBe('dev-2026-01')
    expect((await me(gw, oldToken)).status).toBe(200)

    // Step 1+2: the new key is published and signs; the old one stays published.
    deploy('AUTH_NEXT')
    expect(await kids(gw)).toEqual(['dev-2026-01', 'dev-2026-07'])
    const newToken = await login(gw, 'ada')
    expect(decodeProtectedHeader(newToken).kid).toBe('dev-2026-07')
    // Its kid is unknown to the cached JWKS: the gateway refetches and accepts it.
    expect((await me(gw, newToken)).status).toBe(200)
    expect((await me(gw, oldToken)).status).toBe(200)

    // Step 3: old tokens have expired, the old key is removed; once the cache ages out it is gone.
    deploy('AUTH_RETIRED')
    expect(await kids(gw)).toEqual(['dev-2026-07'])
    await new Promise((resolve) => setTimeout(resolve, 400))
    const rejected = await me(gw, oldToken)
    await expectProblem(rejected, 401)
    expect(rejected.headers.get('www-authenticate')).toContain('No published key matches')
    expect((await me(gw, newToken)).status).toBe(200)
  })

  it('a gateway that only knows the new key set: new tokens pass, removed-key tokens fail', async () => {
    const signer = customGateway({}, { bindings: (name) => (name === 'AUTH' ? bindings.AUTH_NEXT : bindings[name]) })
    const oldSigner = customGateway()
    const newToken = await login(signer, 'grace')
    const oldToken = await login(oldSigner, 'grace')
    const retired = customGateway({}, { bindings: (name) => (name === 'AUTH' ? bindings.AUTH_RETIRED : bindings[name]) })
    expect((await me(retired, newToken)).status).toBe(200)
    await expectProblem(await me(retired, oldToken), 401)
    // During the overlap both verify.
    expect((await me(signer, oldToken)).status).toBe(200)
    expect((await me(signer, newToken)).status).toBe(200)
  })
})
