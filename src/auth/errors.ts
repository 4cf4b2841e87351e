/**
 * Auth failures as RFC 9457 problems with RFC 6750 `WWW-Authenticate` challenges:
 * 401 without an error code when no bearer token was sent (§3.1), 401
 * `invalid_token` for a bad one, 403 `insufficient_scope`, and 503 when the keys to
 * verify with cannot be fetched.
 */
import { ProblemError, problemType } from '../../wire/problem'

/** `auth-param` quoting: values here are fixed text or validated tokens without `"` or `\`. */
function challenge(realm: string, params: Record<string, string | undefined> = {}): string {
  const parts = [`realm="${realm}"`]
  for (const [name, value] of Object.entries(params)) if (value !== undefined) parts.push(`${name}="${value}"`)
  return `Bearer ${parts.join(', ')}`
}

export function missingToken(realm: string): ProblemError {
  return ProblemError.of(
    {
      type: problemType('unauthorized'),
      title: 'Unauthorized',
      status: 401,
      detail: 'This route needs a bearer access token in the Authorization header.',
    },
    { 'WWW-Authenticate': challenge(realm) },
  )
}

export function invalidToken(realm: string, description: string): ProblemError {
  return ProblemError.of(
    { type: problemType('invalid-token'), title: 'Invalid token', status: 401, detail: `${description}.` },
    { 'WWW-Authenticate': challenge(realm, { error: 'invalid_token', error_description: description }) },
  )
}

export function insufficientScope(realm: string, missingScopes: string[], roles: readonly string[]): ProblemError {
  const description =
    missingScopes.length > 0 ? 'The access token lacks a required scope' : 'The caller lacks a required role'
  return ProblemError.of(
    {
      type: problemType('insufficient-scope'),
      title: 'Forbidden',
      status: 403,
      detail: `${description}.`,
      ...(missingScopes.length > 0 && { required_scopes: missingScopes }),
      ...(roles.length > 0 && { required_roles: roles }),
    },
    {
      'WWW-Authenticate': challenge(realm, {
        error: 'insufficient_scope',
        error_description: description,
        scope: missingScopes.length > 0 ? missingScopes.join(' ') : undefined,
      }),
    },
  )
}

/**
 * API keys have no registered HTTP authentication scheme; the challenge names the
 * header to send, as API gateways commonly do: `ApiKey realm="…", header="X-API-Key"`.
 */
const keyChallenge = (realm: string, header: string, error?: string) =>
  `ApiKey realm="${realm}", header="${header}"${error ? `, error="invalid_key", error_description="${error}"` : ''}`

/** No credential on a route that takes an API key (`key`) or either kind (`either`). */
export function missingCredentials(realm: string, accept: 'key' | 'either', header: string): ProblemError {
  const challenges = accept === 'either' ? [challenge(realm), keyChallenge(realm, header)] : [keyChallenge(realm, header)]
  return ProblemError.of(
    {
      type: problemType('unauthorized'),
      title: 'Unauthorized',
      status: 401,
      detail:
        accept === 'either'
          ? `This route needs a bearer access token or an API key in the ${header} header.`
          : `This route needs an API key in the ${header} header.`,
    },
    { 'WWW-Authenticate': challenges.join(', ') },
  )
}

export function invalidKey(realm: string, header: string, description: string): ProblemError {
  return ProblemError.of(
    { type: problemType('invalid-api-key'), title: 'Invalid API key', status: 401, detail: `${description}.` },
    { 'WWW-Authenticate': keyChallenge(realm, header, description) },
  )
}

/** Both a bearer token and an API key: ambiguous (RFC 6750 §3.1 invalid_request). */
export function twoCredentials(header: string): ProblemError {
  return ProblemError.of({
    type: problemType('bad-request'),
    title: 'Bad Request',
    status: 400,
    detail: `Send either a bearer access token or an API key in the ${header} header, not both.`,
  })
}

export function keysUnavailable(detail = 'The keys that verify access tokens cannot be fetched right now.'): ProblemError {
  return ProblemError.of(
    {
      type: problemType('auth-unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail,
    },
    { 'Retry-After': '5' },
  )
}
