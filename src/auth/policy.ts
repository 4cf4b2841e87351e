/**
 * Route policies: who may call a route is declared on its route-table entry
 * (`auth` on RouteSpec), never in handler code.
 *
 * - `'public'`: no token needed (login, refresh, JWKS, docs; health is outside /api).
 * - `'authenticated'` (the default when `auth` is absent): any valid access token.
 * - `{ scopes, roles }`: a valid token with *every* listed scope and, when roles are
 *   listed, *at least one* of them. `accept: 'key' | 'either'` takes an API key
 *   (src/apikeys/) instead of, or as well as, a bearer token.
 *
 * Each endpoint's policy is resolved once, when the endpoint is built from its entry
 * (src/endpoint/factory.ts); the auth middleware reads it from the request's endpoint.
 * A path under `/api/` that no table declares is authenticated (fail closed), so a
 * route added by other code is never public by accident.
 */
import type { Identity } from '../types'

export type RoutePolicy = 'public' | 'authenticated' | Requirements

export interface Requirements {
  scopes?: readonly string[]
  roles?: readonly string[]
  /** Which credential the route takes: a bearer token (the default), an API key, or either. */
  accept?: 'token' | 'key' | 'either'
}

export type ResolvedPolicy =
  | { kind: 'public' }
  | { kind: 'protected'; requirements: Requirements }
  /** No route here for this method (404 or 405 follows): nothing to protect. */
  | { kind: 'unrouted' }

const AUTHENTICATED: ResolvedPolicy = { kind: 'protected', requirements: {} }
const UNROUTED: ResolvedPolicy = { kind: 'unrouted' }

/**
 * A table entry's policy, resolved; `route` names it in the start-up error of a public
 * entry whose caller-relative origin path (`/users/{sub}`) needs a caller.
 */
export function resolvePolicy(policy: RoutePolicy | undefined, route: string, originPath?: string): ResolvedPolicy {
  if (policy === 'public' && originPath?.includes('{sub}')) throw new Error(`route ${route} rewrites to {sub} but is public`)
  if (policy === 'public') return { kind: 'public' }
  if (policy === undefined || policy === 'authenticated') return AUTHENTICATED
  return { kind: 'protected', requirements: policy }
}

/** A path's wrong method (405 follows): nothing to protect. */
export const unroutedPolicy = (): ResolvedPolicy => UNROUTED

/** The policy of a request no endpoint matched: an API path is authenticated (fail closed). */
export function unmatchedPolicy(path: string): ResolvedPolicy {
  return path === '/api' || path.startsWith('/api/') ? AUTHENTICATED : UNROUTED
}

export type Authorization = { ok: true } | { ok: false; missingScopes: string[]; roles: readonly string[] }

/** Whether `identity` meets `requirements` (all scopes; any one of the roles). */
export function authorize(identity: Identity, requirements: Requirements): Authorization {
  const missingScopes = (requirements.scopes ?? []).filter((scope) => !identity.scopes.includes(scope))
  const roles = requirements.roles ?? []
  const roleOk = roles.length === 0 || roles.some((role) => identity.roles.includes(role))
  return missingScopes.length === 0 && roleOk ? { ok: true } : { ok: false, missingScopes, roles: roleOk ? [] : roles }
}
