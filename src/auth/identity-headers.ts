/**
 * The verified caller, forwarded to origins in `X-Switchyard-*` headers (format:
 * services/shared/identity-signature.ts). Client-sent `X-Switchyard-*` headers are
 * stripped before this runs (middleware/header-strip.ts, src/proxy/headers.ts), so
 * the only identity an origin sees is the one the gateway verified.
 */
import { IDENTITY_HEADERS, signIdentity } from '../../wire/identity'
import type { Identity } from '../types'

export function setIdentityHeaders(headers: Headers, identity: Identity | undefined): void {
  for (const [name, value] of identityHeaderEntries(identity)) headers.set(name, value)
}

/** The identity headers as name/value pairs (none for an anonymous caller). */
export function identityHeaderEntries(identity: Identity | undefined): [string, string][] {
  if (!identity) return []
  return [
    [IDENTITY_HEADERS.subject, identity.sub],
    [IDENTITY_HEADERS.scopes, identity.scopes.join(' ')],
    [IDENTITY_HEADERS.roles, identity.roles.join(' ')],
  ]
}

const NAMES = Object.values(IDENTITY_HEADERS)

/**
 * The fetch of URL upstreams. A URL can be called by anyone, so identity headers
 * leave over one only signed (HMAC with `secret`, bound to method, path, query and
 * time); without a secret they are dropped rather than sent unsigned. Service
 * bindings do not use this fetch: only the gateway can reach an origin through one.
 *
 * @example createRegistry(config, { ...deps, fetch: identitySigningFetch(secret) })
 */
export function identitySigningFetch(secret: string | undefined, inner?: typeof fetch): typeof fetch {
  return async (input, init) => {
    const send = inner ?? fetch
    const headers = init?.headers !== undefined ? asHeaders(init.headers) : input instanceof Request ? input.headers : undefined
    if (!headers || !NAMES.some((name) => headers.has(name))) return send(input, init)
    // A Request of its own: the caller's (and its headers) may be immutable.
    const request = new Request(input, init)
    if (secret) {
      await signIdentity(request.headers, request.method, new URL(request.url), secret)
    } else {
      for (const name of NAMES) request.headers.delete(name)
    }
    return send(request)
  }
}

/** Read-only view of init headers: a Headers as it is, anything else copied. */
const asHeaders = (init: HeadersInit): Headers => (init instanceof Headers ? init : new Headers(init))
