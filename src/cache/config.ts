import * as z from 'zod/mini'

/**
 * `caching` section of the gateway config: how the gateway avoids asking an origin
 * twice — the response cache (Cache API) and request coalescing.
 */
export const cachingConfigSchema = z.lazy(() => z._default(
  z.strictObject({
    /** Stores cacheable responses of routes that opt in (`RouteSpec.cache`). */
    enabled: z._default(z.boolean(), true),
    /**
     * Cache API storage. Unset: `caches.default` on Workers, `caches.open('switchyard')`
     * where there is no default cache (Deno). Set: `caches.open(<name>)` everywhere.
     */
    name: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/))),
    /** Identical concurrent GETs of one caller share one origin call. */
    coalesce: z._default(z.boolean(), true),
  }), { enabled: true, coalesce: true }))

export type CachingConfig = z.output<typeof cachingConfigSchema>
export type CachingConfigInput = z.input<typeof cachingConfigSchema>

/**
 * The `caching` section from deployment variables: `SWITCHYARD_CACHE=off` turns the
 * response cache off, `SWITCHYARD_COALESCE=off` request coalescing, and
 * `SWITCHYARD_CACHE_NAME` names the Cache API storage. Unset: the defaults (both on).
 */
export function cachingFromEnv(vars: Record<string, unknown>): CachingConfigInput {
  const str = (name: string) => {
    const value = vars[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const name = str('SWITCHYARD_CACHE_NAME')
  return {
    enabled: str('SWITCHYARD_CACHE') !== 'off',
    coalesce: str('SWITCHYARD_COALESCE') !== 'off',
    ...(name && { name }),
  }
}
