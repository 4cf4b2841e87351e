/**
 * CORS policies compiled once: origin matchers from exact values and patterns, and the
 * policy of each path — the global one, or a route-table entry's `cors` override merged
 * over it. A preflight (OPTIONS) matches no route of its own, so the lookup is by path
 * only: the first entry at a path that has an override gives it.
 */
import { TrieRouter } from 'hono/router/trie-router'
import { corsOverrideSchema, type CorsConfig, type CorsOverride } from './config'

export interface CorsPolicy extends CorsConfig {
  /** The request's `Origin` when it is allowed, else null. */
  allowOrigin(origin: string): string | null
}

export interface CorsTable {
  /** Mount prefix of the table (`/api/v2`, or `''` at the root). */
  prefix: string
  routes: readonly { path: string; cors?: CorsOverride }[]
}

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** `*` inside a pattern: one or more letters, digits, `-` or `.` — never `/`, `:` or `@`. */
export function originMatcher(origins: readonly string[]): (origin: string) => boolean {
  if (origins.includes('*')) return (origin) => origin !== '' && origin !== 'null'
  const exact = new Set(origins.filter((o) => !o.includes('*')))
  const patterns = origins
    .filter((o) => o.includes('*'))
    .map((o) => new RegExp(`^${escape(o).replaceAll('*', '[a-z0-9.-]+')}$`))
  return (origin) => exact.has(origin) || patterns.some((p) => p.test(origin))
}

export function compilePolicy(config: CorsConfig): CorsPolicy {
  const allowed = originMatcher(config.origins)
  return { ...config, allowOrigin: (origin) => (allowed(origin) ? origin : null) }
}

/** The policy of a canonical path: its route's override over `global`, else `global`. */
export function createCorsResolver(global: CorsConfig, tables: readonly CorsTable[]): (path: string) => CorsPolicy {
  const base = compilePolicy(global)
  const router = new TrieRouter<CorsPolicy>()
  for (const { prefix, routes } of tables) {
    for (const route of routes) {
      if (!route.cors) continue
      const override = corsOverrideSchema.safeParse(route.cors)
      if (!override.success) throw new Error(`route ${prefix}${route.path}: invalid cors override: ${override.error.message}`)
      router.add('ALL', prefix + route.path, compilePolicy({ ...global, ...override.data }))
    }
  }
  return (path) => router.match('GET', path)[0][0]?.[0] ?? base
}
