/**
 * The cache of verified tokens (src/auth/token-cache.ts) around the real verifier and
 * jose's remote key set, whose JWKS "endpoint" is a variable the test publishes to.
 * The inner verifier is the real one, counted, so each case shows when a token is
 * checked in full again.
 */
import { createRemoteJWKSet, customFetch, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import { authConfigSchema } from '../src/auth/config'
import { withTokenCache } from '../src/auth/token-cache'
import { createVerifier, TokenError, type TokenVerifier } from '../src/auth/verify'

const config = authConfigSchema.parse({ jwks: { url: 'https://auth.test/.well-known/jwks.json' } })

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK }
}
type Key = Awaited<ReturnType<typeof signingKey>>

function claims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: config.issuer,
    aud: config.audience,
    sub: '1',
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: crypto.randomUUID(),
    scope: 'users:read',
    roles: ['customer'],
    ...overrides,
  }
}

const sign = (key: Key, payload: JWTPayload = claims()) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid }).sign(key.privateKey)

/** A cached verifier over a published JWKS the test changes; counts full verifications and fetches. */
function setup({ now = Date.now, maxAgeMs = 600_000, maxEntries }: { now?: () => number; maxAgeMs?: number; maxEntries?: number } = {}) {
  const jwks = { keys: [] as JWK[] }
  const counts = { full: 0, fetches: 0 }
  const keys = createRemoteJWKSet(new URL(config.jwks && 'url' in config.jwks ? config.jwks.url : ''), {
    cacheMaxAge: maxAgeMs,
    cooldownDuration: 0,
    [customFetch]: async () => {
      counts.fetches += 1
      return Response.json(jwks)
    },
  })
  const inner = createVerifier(config, keys, {}, { cache: false })
  const counted: TokenVerifier = {
    verify: (token) => {
      counts.full += 1
      return inner.verify(token)
    },
  }
  return { jwks, counts, verifier: withTokenCache(counted, new Map([[config.issuer, keys]]), { now, maxEntries }) }
}

async function rejection(promise: Promise<unknown>): Promise<TokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TokenError)
  return err as TokenError
}

describe('cache of verified tokens', () => {
  it('verifies a token in full once, then answers from the cache with the same identity', async () => {
    const key = await signingKey('k1')
    const { jwks, counts, verifier } = setup()
    jwks.keys = [key.jwk]
    const token = await sign(key)
    const first = await verifier.verify(token)
    const again = await verifier.verify(token)
    expect(again).toEqual(first)
    expect(first).toMatchObject({ sub: '1', scopes: ['users:read'], roles: ['customer'] })
    expect(counts.full).toBe(1)
    // Another token of the same caller is its own entry.
    await verifier.verify(await sign(key))
    expect(counts.full).toBe(2)
  })

  it('serves an entry only until the token expires', async () => {
    const key = await signingKey('k1')
    let clock = Date.now()
    const { jwks, counts, verifier } = setup({ now: () => clock })
    jwks.keys = [key.jwk]
    const payload = claims()
    const token = await sign(key, payload)
    await verifier.verify(token)
    clock = (payload.exp as number) * 1000 - 1
    await verifier.verify(token)
    expect(counts.full).toBe(1)
    clock = (payload.exp as number) * 1000
    await verifier.verify(token) // still valid for jose (real clock), but no longer from the cache
    expect(counts.full).toBe(2)
  })

  it('drops a key’s tokens as soon as a refetch no longer publishes the key', async () => {
    const [old, next] = await Promise.all([signingKey('old'), signingKey('next')])
    const { jwks, counts, verifier } = setup()
    jwks.keys = [old.jwk]
    const oldToken = await sign(old)
    await verifier.verify(oldToken)
    expect(counts.fetches).toBe(1)

    // The issuer rotates: the old key is removed. A token with the new kid makes the
    // gateway refetch (unknown kid); from then on the old token is checked in full and fails.
    jwks.keys = [next.jwk]
    await verifier.verify(await sign(next))
    expect(counts.fetches).toBe(2)
    const err = await rejection(verifier.verify(oldToken))
    expect(err.description).toBe('No published key matches the token kid')
    const fullBefore = counts.full
    await rejection(verifier.verify(oldToken))
    expect(counts.full).toBe(fullBefore + 1)
  })

  it('drops entries when the key set is stale, so the refetch decides', async () => {
    const [old, next] = await Promise.all([signingKey('old'), signingKey('next')])
    const { jwks, counts, verifier } = setup({ maxAgeMs: 50 })
    jwks.keys = [old.jwk]
    const token = await sign(old)
    await verifier.verify(token)
    jwks.keys = [next.jwk]
    await new Promise((resolve) => setTimeout(resolve, 100))
    const err = await rejection(verifier.verify(token))
    expect(err.description).toBe('No published key matches the token kid')
    // Refetched because stale, then once more for the unknown kid (cooldown 0).
    expect(counts).toEqual({ full: 2, fetches: 3 })
  })

  it('keeps entries when a refetch publishes the same key again', async () => {
    const [key, other] = await Promise.all([signingKey('k1'), signingKey('k2')])
    const { jwks, counts, verifier } = setup()
    jwks.keys = [key.jwk]
    const token = await sign(key)
    await verifier.verify(token)
    jwks.keys = [key.jwk, other.jwk]
    await verifier.verify(await sign(other)) // refetch
    await verifier.verify(token)
    expect(counts.full).toBe(2)
  })

  it('drops entries whose kid now names other key material', async () => {
    const [first, impostor, unknown] = await Promise.all([signingKey('k1'), signingKey('k1'), signingKey('k9')])
    const { jwks, counts, verifier } = setup()
    jwks.keys = [first.jwk]
    const token = await sign(first)
    await verifier.verify(token)
    // Same kid, another key; a token with an unknown kid makes the gateway refetch.
    jwks.keys = [impostor.jwk]
    await rejection(verifier.verify(await sign(unknown)))
    expect(counts.fetches).toBe(2)
    const err = await rejection(verifier.verify(token))
    expect(err.description).toBe('The token signature is invalid')
    expect(counts.full).toBe(3)
  })

  it('never caches a failure: a token rejected while its key is unknown passes once the key is published', async () => {
    const [known, later] = await Promise.all([signingKey('known'), signingKey('later')])
    const { jwks, counts, verifier } = setup()
    jwks.keys = [known.jwk]
    const token = await sign(later)
    await rejection(verifier.verify(token))
    jwks.keys = [known.jwk, later.jwk]
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: '1' })
    expect(counts.full).toBe(2)
  })

  it('never caches a token that is not valid yet, nor one that fails a claim check', async () => {
    const key = await signingKey('k1')
    const { jwks, counts, verifier } = setup()
    jwks.keys = [key.jwk]
    const now = Math.floor(Date.now() / 1000)
    const early = await sign(key, claims({ nbf: now + 120 }))
    await rejection(verifier.verify(early))
    await rejection(verifier.verify(early))
    const wrongAudience = await sign(key, claims({ aud: 'someone-else' }))
    await rejection(verifier.verify(wrongAudience))
    await rejection(verifier.verify(wrongAudience))
    expect(counts.full).toBe(4)
  })

  it('holds at most maxEntries tokens, evicting the oldest', async () => {
    const key = await signingKey('k1')
    const { jwks, counts, verifier } = setup({ maxEntries: 2 })
    jwks.keys = [key.jwk]
    const [a, b, c] = await Promise.all([sign(key), sign(key), sign(key)])
    for (const token of [a, b, c]) await verifier.verify(token)
    expect(counts.full).toBe(3)
    await verifier.verify(c)
    await verifier.verify(b)
    expect(counts.full).toBe(3)
    await verifier.verify(a) // evicted
    expect(counts.full).toBe(4)
  })

  it('passes through a key source it cannot inspect', async () => {
    const key = await signingKey('k1')
    let full = 0
    const inner: TokenVerifier = {
      verify: async () => {
        full += 1
        return { sub: '1', scopes: [], roles: [], claims: { exp: Math.floor(Date.now() / 1000) + 900 } }
      },
    }
    const verifier = withTokenCache(inner, new Map([[config.issuer, async () => key.privateKey]]))
    const token = await sign(key)
    await verifier.verify(token)
    await verifier.verify(token)
    expect(full).toBe(2)
  })
})
