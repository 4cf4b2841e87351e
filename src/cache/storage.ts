/**
 * Opens the Cache API storage: `caches.default` on Workers, a named cache where there
 * is no default (Deno has only `caches.open`), or the configured name everywhere.
 * Opened per request: on Workers, I/O objects belong to the request that made them.
 */
export function cacheStorage(name?: string): () => Promise<Cache | undefined> {
  return async () => {
    const storage = (globalThis as { caches?: CacheStorage }).caches
    if (!storage) return undefined
    if (name === undefined && 'default' in storage) return (storage as CacheStorage & { default: Cache }).default
    return storage.open(name ?? 'switchyard')
  }
}
