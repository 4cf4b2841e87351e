/**
 * A bounded cache of verified access tokens, so a caller's repeated requests skip the
 * signature check (ES256 costs far more than the rest of the pipeline).
 *
 * - Keyed by the SHA-256 of the token: the cache holds no bearer tokens.
 * - Only successes are cached. A failure is never remembered, so it can hide no
 *   later success (keys fetched again, a token whose `nbf` has come).
 * - An entry is served until the token's `exp` (never its clock tolerance), and only
 *   while the key set it was verified with is fresh (jose's `cacheMaxAge`) and still
 *   publishes the same key under the token's `kid`; otherwise the token is verified in
 *   full again, which refetches the keys exactly as without the cache. So a key's
 *   removal from the JWKS ends its tokens' entries as soon as the gateway sees it.
 * - Tokens without a `kid`, or a key source that is not jose's remote JWKS (no
 *   `fresh`/`jwks()`), are never cached.
 */
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import type { Identity } from '../types'
import type { TokenVerifier } from './verify'

/** What the cache needs of a key source: jose's `createRemoteJWKSet` result has both. */
interface InspectableKeySet {
  readonly fresh: boolean
  jwks(): JSONWebKeySet | undefined
}

interface Entry {
  identity: Identity
  kid: string
  /** The published key(s) under `kid` when the token was verified. */
  material: string
  /** Epoch ms after which the entry is dead. */
  until: number
}

export interface TokenCacheOptions {
  /** Most tokens remembered; the oldest entry goes first. */
  maxEntries?: number
  now?: () => number
}

const isInspectable = (keys: unknown): keys is InspectableKeySet =>
  typeof keys === 'function' && 'fresh' in keys && typeof (keys as { jwks?: unknown }).jwks === 'function'

/** The `kid` of a compact JWS's protected header, if it has a string one. */
function kidOf(token: string): string | undefined {
  try {
    const b64 = token.slice(0, token.indexOf('.')).replace(/-/g, '+').replace(/_/g, '/')
    const kid = (JSON.parse(atob(b64)) as { kid?: unknown }).kid
    return typeof kid === 'string' ? kid : undefined
  } catch {
    return undefined
  }
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return String.fromCharCode(...digest)
}

/** Wraps `verifier`; `keys` is the key source it verifies with. */
export function withTokenCache(
  verifier: TokenVerifier,
  keys: JWTVerifyGetKey,
  { maxEntries = 10_000, now = Date.now }: TokenCacheOptions = {},
): TokenVerifier {
  if (!isInspectable(keys)) return verifier
  const entries = new Map<string, Entry>()
  // kid → the published key(s) under it, as of the last full verification (when jose may have refetched).
  let published = new Map<string, string>()
  let publishedFrom: string | undefined

  const snapshot = () => {
    const set = keys.jwks()
    const text = JSON.stringify(set?.keys ?? [])
    if (text === publishedFrom) return
    publishedFrom = text
    const next = new Map<string, string>()
    for (const key of set?.keys ?? []) {
      if (typeof key.kid !== 'string') continue
      next.set(key.kid, `${next.get(key.kid) ?? ''}${JSON.stringify(key)}`)
    }
    published = next
    for (const [hash, entry] of entries) if (published.get(entry.kid) !== entry.material) entries.delete(hash)
  }

  return {
    async verify(token) {
      const kid = kidOf(token)
      if (kid === undefined) return verifier.verify(token)
      const hash = await sha256(token)
      const hit = entries.get(hash)
      if (hit) {
        if (hit.until > now() && keys.fresh && published.get(kid) === hit.material) return hit.identity
        entries.delete(hash)
      }
      let identity: Identity
      try {
        identity = await verifier.verify(token)
      } finally {
        snapshot()
      }
      const { exp } = identity.claims as { exp: number }
      const material = published.get(kid)
      if (material !== undefined && exp * 1000 > now()) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
        entries.set(hash, { identity, kid, material, until: exp * 1000 })
      }
      return identity
    },
  }
}
