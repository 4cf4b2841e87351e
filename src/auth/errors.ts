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

export function keysUnavailable(): ProblemError {
  return ProblemError.of(
    {
      type: problemType('auth-unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail: 'The keys that verify access tokens cannot be fetched right now.',
    },
    { 'Retry-After': '5' },
  )
}
