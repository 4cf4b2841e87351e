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
 * - Tokens without a `kid` or a numeric `exp`, or from an issuer whose key source is not
 *   jose's remote JWKS (no `fresh`/`jwks()`, e.g. one found by OIDC discovery), are
 *   never cached. The key sources are used only through the verifier, so every refetch
 *   happens during a full verification, after which the cache looks at the keys again.
 */
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import type { Identity } from '../types'
import type { TokenVerifier } from './verify'
import { builtinCrypto } from '../../wire/builtin-crypto'

/** What the cache needs of a key source: jose's `createRemoteJWKSet` result has both. */
interface InspectableKeySet {
  readonly fresh: boolean
  jwks(): JSONWebKeySet | undefined
}

interface Entry {
  identity: Identity
  /** The key set of the token's issuer. */
  keys: InspectableKeySet
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
  // Tokens of one issuer and key share their header: its kid is read once (headers hold no secret).
  const header = token.slice(0, token.indexOf('.'))
  if (header.length > MAX_HEADER_CHARS) return kidOfHeader(header)
  if (kids.has(header)) return kids.get(header)
  const kid = kidOfHeader(header)
  if (kids.size >= MAX_HEADERS) kids.clear()
  kids.set(header, kid)
  return kid
}

const kids = new Map<string, string | undefined>()
/** Headers remembered at most, and the longest one remembered: crafted ones can only cost a re-parse, never memory. */
const MAX_HEADERS = 256
const MAX_HEADER_CHARS = 512

function kidOfHeader(header: string): string | undefined {
  try {
    const b64 = header.replace(/-/g, '+').replace(/_/g, '/')
    const kid = (JSON.parse(atob(b64)) as { kid?: unknown }).kid
    return typeof kid === 'string' ? kid : undefined
  } catch {
    return undefined
  }
}

/**
 * SHA-256 of the token, as a string of the digest's bytes: synchronous through
 * `node:crypto` where the runtime offers it (wire/builtin-crypto.ts), else Web Crypto
 * (a thread hop in Node). Same bytes hashed (UTF-8) on every path.
 */
async function sha256(text: string): Promise<string> {
  const node = builtinCrypto()
  if (node) return node.hash ? node.hash('sha256', text, 'latin1') : node.createHash('sha256').update(text).digest('latin1')
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return String.fromCharCode.apply(null, digest as unknown as number[])
}

const encoder = new TextEncoder()

/** One key set as of the last full verification: kid → the published key(s) under it. */
interface Snapshot {
  from: string | undefined
  published: Map<string, string>
}

/**
 * Wraps `verifier`. `keySets` are every issuer's key source by issuer (`iss`): an entry
 * is checked against the key set of the issuer that signed its token.
 */
export function withTokenCache(
  verifier: TokenVerifier,
  keySets: ReadonlyMap<string, JWTVerifyGetKey>,
  { maxEntries = 10_000, now = Date.now }: TokenCacheOptions = {},
): TokenVerifier {
  const inspectable = new Map<string, InspectableKeySet>()
  for (const [iss, keys] of keySets) if (isInspectable(keys)) inspectable.set(iss, keys)
  if (inspectable.size === 0) return verifier
  const entries = new Map<string, Entry>()
  const snapshots = new Map<InspectableKeySet, Snapshot>()
  for (const keys of inspectable.values()) snapshots.set(keys, { from: undefined, published: new Map() })

  // After every full verification (when jose may have refetched any issuer's keys).
  const refresh = () => {
    let changed = false
    for (const [keys, snap] of snapshots) {
      const set = keys.jwks()
      const text = JSON.stringify(set?.keys ?? [])
      if (text === snap.from) continue
      changed = true
      snap.from = text
      snap.published = new Map()
      for (const key of set?.keys ?? []) {
        if (typeof key.kid !== 'string') continue
        snap.published.set(key.kid, `${snap.published.get(key.kid) ?? ''}${JSON.stringify(key)}`)
      }
    }
    if (changed) for (const [hash, entry] of entries) if (!current(entry)) entries.delete(hash)
  }
  const current = (entry: Entry) => entry.keys.fresh && snapshots.get(entry.keys)!.published.get(entry.kid) === entry.material

  return {
    async verify(token, trace) {
      const kid = kidOf(token)
      if (kid === undefined) return verifier.verify(token, trace)
      const hash = await sha256(token)
      const hit = entries.get(hash)
      if (hit) {
        if (hit.until > now() && current(hit)) return hit.identity
        entries.delete(hash)
      }
      let identity: Identity
      try {
        identity = await verifier.verify(token, trace)
      } finally {
        refresh()
      }
      const { exp, iss } = identity.claims
      const keys = typeof iss === 'string' ? inspectable.get(iss) : undefined
      const material = keys && snapshots.get(keys)!.published.get(kid)
      if (keys && material !== undefined && typeof exp === 'number' && exp * 1000 > now()) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
        entries.set(hash, { identity, keys, kid, material, until: exp * 1000 })
      }
      return identity
    },
  }
}
