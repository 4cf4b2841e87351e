/**
 * The issuer's public keys, through jose's `createRemoteJWKSet`: cached for
 * `jwksCache.maxAgeMs`, refetched on an unknown `kid` at most once per `cooldownMs`,
 * so a warm isolate makes no JWKS fetch per request. On Workers the fetch goes over
 * the auth service binding (jose's `customFetch`); elsewhere to a URL.
 *
 * Workers note: jose does not share one in-flight fetch between requests there
 * (an I/O object cannot cross request contexts), so requests that arrive together
 * before the first fetch completes may each fetch once.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import { tracedFetch } from '../../wire/tracing/client'
import type { BindingLookup } from '../upstream/registry'
import type { AuthConfig } from './config'

export interface KeySourceDeps {
  bindings?: BindingLookup
  /** Fetch for a JWKS URL (defaults to the global one). */
  fetch?: typeof fetch
}

export function createKeySource(config: AuthConfig, deps: KeySourceDeps): JWTVerifyGetKey {
  const { jwks, jwksCache } = config
  const options = {
    cacheMaxAge: jwksCache.maxAgeMs,
    cooldownDuration: jwksCache.cooldownMs,
    timeoutDuration: jwksCache.timeoutMs,
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
