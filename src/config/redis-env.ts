/**
 * What the Redis-backed sections (rate limits, idempotency keys) read from the
 * environment alike: a `SWITCHYARD_<NAME>` variable that is `off` or a JSON object of
 * overrides, and the store — the shared Upstash Redis when `UPSTASH_REDIS_REST_URL` and
 * `UPSTASH_REDIS_REST_TOKEN` are set, else per-isolate memory (with a warning unless
 * `SWITCHYARD_<NAME>_STORE=memory` or the overrides chose it on purpose).
 */
export type RedisSectionEnv<T> =
  | { off: true }
  | { off: false; overrides: Partial<T> & { store?: Record<string, unknown> }; store: Record<string, unknown> }

export function redisSectionFromEnv<T>(
  vars: Record<string, unknown>,
  names: { variable: string; storeVariable: string; what: string },
  warn: (message: string) => void,
): RedisSectionEnv<T> {
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '')
  const raw = text(names.variable)
  if (raw === 'off') return { off: true }
  let overrides: Partial<T> & { store?: Record<string, unknown> } = {}
  if (raw) {
    try {
      overrides = JSON.parse(raw) as typeof overrides
    } catch (err) {
      throw new Error(`${names.variable} is neither "off" nor valid JSON: ${(err as Error).message}`)
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new Error(`${names.variable} JSON must be an object`)
    }
  }
  const url = text('UPSTASH_REDIS_REST_URL')
  const token = text('UPSTASH_REDIS_REST_TOKEN')
  if (url && token) return { off: false, overrides, store: { kind: 'upstash', url, token } }
  const chosen = text(names.storeVariable) === 'memory' || overrides.store?.kind === 'memory'
  if (!chosen) {
    warn(`${names.what} use per-isolate memory: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN to share them`)
  }
  return { off: false, overrides, store: { kind: 'memory' } }
}
