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
 * The gateway resolves a request's policy once, before rate limiting and caching, by
 * matching the canonical path against the same tables the router mounts. A path under
 * `/api/` that no table declares is authenticated (fail closed), so a route added by
 * other code is never public by accident.
 */
import { TrieRouter } from 'hono/router/trie-router'
import type { Identity } from '../types'

export type RoutePolicy = 'public' | 'authenticated' | Requirements

export interface Requirements {
  scopes?: readonly string[]
  roles?: readonly string[]
  /** Which credential the route takes: a bearer token (the default), an API key, or either. */
  accept?: 'token' | 'key' | 'either'
}

export interface PolicyTable {
  /** Mount prefix of the table (`/api/v2`, or `''` at the root). */
  prefix: string
  routes: readonly { method: string; path: string; auth?: RoutePolicy; originPath?: string }[]
}

export type ResolvedPolicy =
  | { kind: 'public' }
  | { kind: 'protected'; requirements: Requirements }
  /** No route here for this method (404 or 405 follows): nothing to protect. */
  | { kind: 'unrouted' }

export type PolicyResolver = (method: string, path: string) => ResolvedPolicy

const AUTHENTICATED: ResolvedPolicy = { kind: 'protected', requirements: {} }

function toResolved(policy: RoutePolicy | undefined): ResolvedPolicy {
  if (policy === 'public') return { kind: 'public' }
  if (policy === undefined || policy === 'authenticated') return AUTHENTICATED
  return { kind: 'protected', requirements: policy }
}

export function createPolicyResolver(tables: readonly PolicyTable[]): PolicyResolver {
  const byMethod = new TrieRouter<ResolvedPolicy>()
  const byPath = new TrieRouter<true>()
  for (const { prefix, routes } of tables) {
    for (const route of routes) {
      // A caller-relative rewrite (`/users/{sub}`) needs a caller.
      if (route.auth === 'public' && route.originPath?.includes('{sub}')) {
        throw new Error(`route ${route.method} ${prefix}${route.path} rewrites to {sub} but is public`)
      }
      byMethod.add(route.method, prefix + route.path, toResolved(route.auth))
      byPath.add('ALL', prefix + route.path, true)
    }
  }
  return (method, path) => {
    // Hono serves HEAD from GET routes; the policy is the GET route's.
    const [matches] = byMethod.match(method === 'HEAD' ? 'GET' : method, path)
    // The first match in table order is the route the app's router runs.
    const first = matches[0]
    if (first) return first[0]
    if (byPath.match('GET', path)[0].length > 0) return { kind: 'unrouted' }
    return path === '/api' || path.startsWith('/api/') ? AUTHENTICATED : { kind: 'unrouted' }
  }
}

export type Authorization = { ok: true } | { ok: false; missingScopes: string[]; roles: readonly string[] }

/** Whether `identity` meets `requirements` (all scopes; any one of the roles). */
export function authorize(identity: Identity, requirements: Requirements): Authorization {
  const missingScopes = (requirements.scopes ?? []).filter((scope) => !identity.scopes.includes(scope))
  const roles = requirements.roles ?? []
  const roleOk = roles.length === 0 || roles.some((role) => identity.roles.includes(role))
  return missingScopes.length === 0 && roleOk ? { ok: true } : { ok: false, missingScopes, roles: roleOk ? [] : roles }
}
