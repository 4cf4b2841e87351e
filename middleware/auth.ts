import type { MiddlewareHandler } from 'hono'
import { insufficientScope, invalidToken, keysUnavailable, missingToken } from '../src/auth/errors'
import { authorize, type PolicyResolver } from '../src/auth/policy'
import { TokenError, type TokenVerifier } from '../src/auth/verify'
import type { GatewayEnv, Identity } from '../src/types'

export interface AuthOptions {
  /** Verifies a bearer token into the caller's identity (src/auth/verify.ts). */
  verifier: TokenVerifier
  /** The route table's policy for a method and canonical path (src/auth/policy.ts). */
  policies: PolicyResolver
  /** `realm` of the `WWW-Authenticate` challenges. */
  realm: string
  /** Longest token accepted; a longer Authorization header is refused unparsed. */
  maxTokenBytes: number
}

// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +(\S+) *$/i

/**
 * JWT authentication and route-policy authorization. Public routes pass untouched;
 * on a protected route the bearer token is verified, the caller must meet the route's
 * scopes/roles, and the verified identity is set as `c.get('identity')` for later
 * middleware (rate limits key on it) and for the identity headers sent to the origin.
 * 401 (RFC 6750 `invalid_token`) / 403 (`insufficient_scope`) are problem+json.
 *
 * @example
 * ```ts
 * app.use(auth({ verifier, policies, realm: 'switchyard', maxTokenBytes: 8192 }))
 * ```
 */
export function auth(options: AuthOptions): MiddlewareHandler<GatewayEnv> {
  const { verifier, policies, realm, maxTokenBytes } = options
  // Room for the scheme and spaces; anything longer is refused before it is parsed.
  const maxHeaderLength = maxTokenBytes + 32
  return async (c, next) => {
    const policy = policies(c.req.method, c.req.path)
    if (policy.kind !== 'protected') return next()

    const authorization = c.req.header('authorization')
    if (authorization === undefined) throw missingToken(realm)
    if (authorization.length > maxHeaderLength) throw invalidToken(realm, `The token is longer than ${maxTokenBytes} bytes`)
    const scheme = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(authorization)?.[1]
    if (scheme?.toLowerCase() !== 'bearer') throw missingToken(realm)
    const token = BEARER.exec(authorization)?.[1]
    if (!token) throw invalidToken(realm, 'The Authorization header is not one bearer token')

    let identity: Identity
    try {
      identity = await verifier.verify(token)
    } catch (err) {
      if (!(err instanceof TokenError)) throw err
      if (err.kind === 'unavailable') {
        c.get('logger')?.log('error', 'access token keys unavailable', { error: String(err.cause ?? err) })
        throw keysUnavailable()
      }
      c.get('logger')?.log('info', 'access token rejected', { reason: err.description })
      throw invalidToken(realm, err.description)
    }
    const decision = authorize(identity, policy.requirements)
    if (!decision.ok) throw insufficientScope(realm, decision.missingScopes, decision.roles)
    c.set('identity', identity)
    await next()
  }
}
