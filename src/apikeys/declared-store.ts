/**
 * Consumers and key hashes declared in the environment (`SWITCHYARD_API_KEYS`), for a
 * gateway with neither D1 nor Redis: read-only, the same on every instance that gets the
 * same variable. Adding, rotating or revoking a key is an edit of the variable and a
 * restart; the admin routes list what is declared and refuse writes (405).
 *
 * ```json
 * { "consumers": [ { "id": "reporting", "name": "reporting", "scopes": ["orders:read"], "roles": ["admin"], "tier": "pro",
 *     "keys": [ { "id": "1b5c…(16 hex)", "sha256": "…(64 hex)" } ] } ] }
 * ```
 * `node scripts/api-key.mjs` makes a key and prints its entry.
 */
import * as z from 'zod/mini'
import type { Consumer, ConsumerStore, KeyInfo, StoredKey } from './store'
import '../config/zod-locale'

/** A write the declared store cannot take. */
export class ReadOnlyStoreError extends Error {
  override name = 'ReadOnlyStoreError'
}

const name = z.lazy(() => z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/)))
const declared = z.lazy(() => z.strictObject({
  consumers: z.array(
    z.strictObject({
      id: name,
      name,
      scopes: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9:._/-]{1,128}$/))), []),
      roles: z._default(z.array(name), []),
      tier: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,32}$/))),
      keys: z.array(z.strictObject({ id: z.string().check(z.regex(/^[0-9a-f]{16}$/)), sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)) })),
    }),
  ),
}))

/** Parses the variable's JSON; a malformed one is a start-up error naming the problem. */
export function declaredConsumerStore(json: string): ConsumerStore {
  let parsed: z.output<typeof declared>
  try {
    parsed = declared.parse(JSON.parse(json))
  } catch (err) {
    throw new Error(`SWITCHYARD_API_KEYS is not a valid key declaration: ${err instanceof Error ? err.message : String(err)}`)
  }
  const DECLARED_AT = new Date(0).toISOString()
  const consumers = parsed.consumers.map((c): Consumer => ({ id: c.id, name: c.name, scopes: c.scopes, roles: c.roles, tier: c.tier ?? null, created_at: DECLARED_AT }))
  const keys = new Map<string, StoredKey>()
  parsed.consumers.forEach((c, i) => {
    for (const key of c.keys) {
      if (keys.has(key.id)) throw new Error(`SWITCHYARD_API_KEYS declares key ${key.id} twice`)
      keys.set(key.id, { id: key.id, consumer_id: c.id, hash: key.sha256, created_at: DECLARED_AT, revoked_at: null, consumer: consumers[i]! })
    }
  })
  const readOnly = async (): Promise<never> => {
    throw new ReadOnlyStoreError('API keys are declared in SWITCHYARD_API_KEYS on this gateway: edit the variable to change them.')
  }
  const info = ({ id, consumer_id, created_at, revoked_at }: StoredKey): KeyInfo => ({ id, consumer_id, created_at, revoked_at })
  return {
    createConsumer: readOnly,
    addKey: readOnly,
    revokeKey: readOnly,
    listConsumers: async () => consumers,
    getConsumer: async (id) => consumers.find((c) => c.id === id) ?? null,
    listKeys: async (consumerId) => [...keys.values()].filter((k) => k.consumer_id === consumerId).map(info),
    findKey: async (keyId) => keys.get(keyId) ?? null,
  }
}
