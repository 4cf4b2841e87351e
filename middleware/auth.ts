import type { Context, MiddlewareHandler } from 'hono'
import { invalidKey, insufficientScope, invalidToken, keysUnavailable, missingCredentials, missingToken, twoCredentials } from '../src/auth/errors'
import { authorize, unmatchedPolicy } from '../src/auth/policy'
import { TokenError, type TokenVerifier } from '../src/auth/verify'
import { KeyError, type KeyVerifier } from '../src/apikeys/verify'
import { endpointOf } from '../src/endpoint/lookup'
import type { GatewayEnv, Identity } from '../src/types'

export interface AuthOptions {
  /** Verifies a bearer token into the caller's identity (src/auth/verify.ts). */
  verifier: TokenVerifier
  /** `realm` of the `WWW-Authenticate` challenges. */
  realm: string
  /** Longest token accepted; a longer Authorization header is refused unparsed. */
  maxTokenBytes: number
  /** API keys (src/apikeys/): the header that carries one, and its verifier (absent: keys are refused). */
  apiKeys?: { header: string; verifier?: KeyVerifier }
}

// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +(\S+) *$/i
const MAX_KEY_LENGTH = 128

/**
 * Authentication and route-policy authorization, by the policy of the request's endpoint
 * (`endpointOf(c).auth`; a path no endpoint matches is authenticated under `/api`, fail
 * closed — src/auth/policy.ts). Public routes pass untouched; on a
 * protected route the credential the route accepts (`accept` on its policy: a bearer
 * token by default, an API key, or either) is verified, the caller must meet the
 * route's scopes/roles, and the verified identity is set as `c.get('identity')` for
 * later middleware (rate limits key on it) and for the identity headers sent to the
 * origin. 401 (RFC 6750 `invalid_token`, or an `ApiKey` challenge) / 403
 * (`insufficient_scope`) are problem+json.
 *
 * @example
 * ```ts
 * app.use(auth({ verifier, realm: 'switchyard', maxTokenBytes: 8192 }))
 * ```
 */
export function auth(options: AuthOptions): MiddlewareHandler<GatewayEnv> {
  const { verifier, realm, maxTokenBytes } = options
  const keyHeader = options.apiKeys?.header ?? 'X-API-Key'
  // Room for the scheme and spaces; anything longer is refused before it is parsed.
  const maxHeaderLength = maxTokenBytes + 32

  const fromToken = async (c: Context<GatewayEnv>, authorization: string | undefined): Promise<Identity> => {
    if (authorization === undefined) throw missingToken(realm)
    if (authorization.length > maxHeaderLength) throw invalidToken(realm, `The token is longer than ${maxTokenBytes} bytes`)
    const scheme = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(authorization)?.[1]
    if (scheme?.toLowerCase() !== 'bearer') throw missingToken(realm)
    const token = BEARER.exec(authorization)?.[1]
    if (!token) throw invalidToken(realm, 'The Authorization header is not one bearer token')
    try {
      // A cached token needs no trace; a full verification gets the request's for its key fetch.
      return await verifier.verify(token, c.get('trace'))
    } catch (err) {
      if (!(err instanceof TokenError)) throw err
      if (err.kind === 'unavailable') {
        c.get('logger')?.log('error', 'access token keys unavailable', { error: String(err.cause ?? err) })
        throw keysUnavailable()
      }
      c.get('logger')?.log('info', 'access token rejected', { reason: err.description })
      throw invalidToken(realm, err.description)
    }
  }

  const fromKey = async (c: Context<GatewayEnv>, key: string | undefined): Promise<Identity> => {
    if (key === undefined) throw missingCredentials(realm, 'key', keyHeader)
    const keys = options.apiKeys?.verifier
    if (!keys) throw invalidKey(realm, keyHeader, 'API keys are not enabled on this gateway')
    if (key.length > MAX_KEY_LENGTH) throw invalidKey(realm, keyHeader, 'The API key is malformed')
    try {
      return await keys.verify(key.trim(), c.get('trace'))
    } catch (err) {
      if (!(err instanceof KeyError)) throw err
      if (err.kind === 'unavailable') {
        c.get('logger')?.log('error', 'api key store unavailable', { error: String(err.cause ?? err) })
        throw keysUnavailable('The API key store cannot be reached right now.')
      }
      c.get('logger')?.log('info', 'api key rejected', { reason: err.description })
      throw invalidKey(realm, keyHeader, err.description)
    }
  }

  return async (c, next) => {
    const policy = endpointOf(c)?.auth ?? unmatchedPolicy(c.req.path)
    if (policy.kind !== 'protected') return next()

    const accept = policy.requirements.accept ?? 'token'
    // Only the header(s) the route accepts are read.
    const authorization = accept === 'key' ? undefined : c.req.header('authorization')
    const key = accept === 'token' ? undefined : c.req.header(keyHeader)
    let identity: Identity
    if (accept === 'token') identity = await fromToken(c, authorization)
    else if (accept === 'key') identity = await fromKey(c, key)
    else if (authorization !== undefined && key !== undefined) throw twoCredentials(keyHeader)
    else if (key !== undefined) identity = await fromKey(c, key)
    else if (authorization !== undefined) identity = await fromToken(c, authorization)
    else throw missingCredentials(realm, 'either', keyHeader)

    const decision = authorize(identity, policy.requirements)
    if (!decision.ok) throw insufficientScope(realm, decision.missingScopes, decision.roles)
    c.set('identity', identity)
    await next()
  }
}
