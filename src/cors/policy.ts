/**
 * CORS policies compiled once: origin matchers from exact values and patterns, and a
 * path's policy — the global one, or a table entry's `cors` override merged over it.
 * The endpoint factory gives every endpoint its path's policy (src/endpoint/factory.ts).
 */
import { checkedCorsOverride } from '../config/shipped'
import { corsOverrideSchema, type CorsConfig, type CorsOverride } from './config'

export interface CorsPolicy extends CorsConfig {
  /** The request's `Origin` when it is allowed, else null. */
  allowOrigin(origin: string): string | null
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

/**
 * The policy of a path: `override` (a table entry's `cors`) over `global`, else `global`.
 * One compiled policy per distinct override, so endpoints that share one share it.
 */
export function corsPolicies(global: CorsConfig): (override: CorsOverride | undefined, where: string) => CorsPolicy {
  const base = compilePolicy(global)
  const compiled = new WeakMap<CorsOverride, CorsPolicy>()
  return (override, where) => {
    if (!override) return base
    let policy = compiled.get(override)
    if (!policy) {
      // A route table's own override is answered from the snapshot, without building zod's schema.
      const checked = checkedCorsOverride(override) as CorsOverride | undefined
      const parsed = checked ? { success: true as const, data: checked } : corsOverrideSchema.safeParse(override)
      if (!parsed.success) throw new Error(`route ${where}: invalid cors override: ${parsed.error.message}`)
      policy = compilePolicy({ ...global, ...parsed.data })
      compiled.set(override, policy)
    }
    return policy
  }
}
