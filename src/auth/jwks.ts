/**
 * An issuer's public keys, through jose's `createRemoteJWKSet`: cached for
 * `jwksCache.maxAgeMs`, refetched on an unknown `kid` at most once per `cooldownMs`,
 * so a warm isolate makes no JWKS fetch per request. On Workers the own issuer's keys
 * come over the auth service binding (jose's `customFetch`); elsewhere, and for other
 * identity providers, from a URL — given, or found by OIDC discovery.
 *
 * Workers note: jose does not share one in-flight fetch between requests there
 * (an I/O object cannot cross request contexts), so requests that arrive together
 * before the first fetch completes may each fetch once.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import { tracedFetch } from '../../wire/tracing/client'
import type { BindingLookup } from '../upstream/registry'
import type { AuthConfig, JwksSource } from './config'

export interface KeySourceDeps {
  bindings?: BindingLookup
  /** Fetch for a JWKS or discovery URL (defaults to the global one). */
  fetch?: typeof fetch
}

type CacheOptions = AuthConfig['jwksCache']

/** The own auth origin's keys (`auth.jwks`). */
export function createKeySource(config: AuthConfig, deps: KeySourceDeps): JWTVerifyGetKey {
  return keySourceFor(config.jwks, config.jwksCache, deps)
}

export function keySourceFor(jwks: JwksSource, cache: CacheOptions, deps: KeySourceDeps): JWTVerifyGetKey {
  const options = {
    cacheMaxAge: cache.maxAgeMs,
    cooldownDuration: cache.cooldownMs,
    timeoutDuration: cache.timeoutMs,
  }
  if ('binding' in jwks) {
    const binding = deps.bindings?.(jwks.binding)
    if (!binding) throw new Error(`auth.jwks: binding ${jwks.binding} is not bound`)
    // The host is a placeholder: a binding delivers to its Worker whatever the URL says.
    // Traced: each JWKS fetch is a client span of the request that needed it, with its own traceparent.
    return createRemoteJWKSet(new URL(jwks.path, 'http://auth.internal'), {
      ...options,
      [customFetch]: tracedFetch((url: RequestInfo | URL, init?: RequestInit) => binding.fetch(url, init), {
        service: jwks.binding.toLowerCase(),
      }),
    })
  }
  const fetchImpl = deps.fetch ?? fetch
  return createRemoteJWKSet(new URL(jwks.url), {
    ...options,
    [customFetch]: tracedFetch((url: RequestInfo | URL, init?: RequestInit) => fetchImpl(url, init)),
  })
}

const LOOPBACK_OR_HTTPS = /^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\/)/

/**
 * OIDC discovery (OpenID Connect Discovery 1.0 §4): `jwks_uri` from
 * `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal the configured
 * one (§4.3). Looked up on first use and kept for the isolate's life; a failed look-up
 * is retried by the next request (no promise is shared across requests: on Workers an
 * I/O object cannot cross request contexts).
 */
export function discoveredKeySource(issuer: string, cache: CacheOptions, deps: KeySourceDeps): JWTVerifyGetKey {
  let keys: JWTVerifyGetKey | undefined
  const fetchImpl = tracedFetch((url: RequestInfo | URL, init?: RequestInit) => (deps.fetch ?? fetch)(url, init))
  return async (header, token) => {
    if (!keys) {
      const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
      const res = await fetchImpl(url, { signal: AbortSignal.timeout(cache.timeoutMs), headers: { accept: 'application/json' } })
      if (!res.ok) throw new Error(`OIDC discovery ${url}: HTTP ${res.status}`)
      const document = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown }
      if (document.issuer !== issuer) throw new Error(`OIDC discovery ${url}: issuer ${String(document.issuer)} is not ${issuer}`)
      if (typeof document.jwks_uri !== 'string' || !LOOPBACK_OR_HTTPS.test(document.jwks_uri)) {
        throw new Error(`OIDC discovery ${url}: jwks_uri is missing or not https`)
      }
      keys = keySourceFor({ url: document.jwks_uri }, cache, deps)
    }
    return keys(header, token)
  }
}
