import { z } from 'zod'

/**
 * `caching` section of the gateway config: how the gateway avoids asking an origin
 * twice — the response cache (Cache API) and request coalescing.
 */
export const cachingConfigSchema = z
  .object({
    /** Stores cacheable responses of routes that opt in (`RouteSpec.cache`). */
    enabled: z.boolean().default(true),
    /**
     * Cache API storage. Unset: `caches.default` on Workers, `caches.open('switchyard')`
     * where there is no default cache (Deno). Set: `caches.open(<name>)` everywhere.
     */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    /** Identical concurrent GETs of one caller share one origin call. */
    coalesce: z.boolean().default(true),
  })
  .default({ enabled: true, coalesce: true })

export type CachingConfig = z.output<typeof cachingConfigSchema>
