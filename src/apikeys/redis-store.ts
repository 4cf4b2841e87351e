/**
 * Consumers and API key hashes in Redis through the Upstash REST API (the gateway's
 * client, src/upstash/client.ts, and the variables the rate limiter uses), for gateways without D1 (Deno): every
 * instance on the same Redis sees the same keys. All keys share one hash tag, so the
 * scripts stay valid on a cluster.
 *
 *   {prefix}:consumer:<id>        hash: id, name, scopes, roles, tier, created_at
 *   {prefix}:name:<name>          the consumer id (names are unique)
 *   {prefix}:consumers            sorted set of consumer ids by creation time
 *   {prefix}:key:<key id>         hash: id, consumer_id, hash, created_at[, revoked_at]
 *   {prefix}:keys:<consumer id>   sorted set of the consumer's key ids by creation time
 *
 * Each write is one Lua script, so a crash never leaves half of it behind.
 */
import { TracedRedis } from '../ratelimit/redis-store'
import type { Consumer, ConsumerStore, KeyInfo, StoredKey } from './store'
import { randomHex } from '../hex'

export interface RedisConsumerStoreConfig {
  url: string
  token: string
  /** Key prefix; it becomes the hash tag of every key. */
  prefix?: string
  /** Per-call deadline. */
  timeoutMs?: number
}

/** Name claimed, record and index written together; 0 when the name is taken. */
const CREATE_CONSUMER = `if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'name', ARGV[2], 'scopes', ARGV[3], 'roles', ARGV[4], 'tier', ARGV[5], 'created_at', ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
return 1`

/** Key record and the consumer's index together; 0 when the consumer is gone. */
const ADD_KEY = `if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'consumer_id', ARGV[2], 'hash', ARGV[3], 'created_at', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1`

/** Marks the consumer's key revoked once (the first time stays); 0 when it has no such key. */
const REVOKE_KEY = `if redis.call('HGET', KEYS[1], 'consumer_id') ~= ARGV[1] then return 0 end
redis.call('HSETNX', KEYS[1], 'revoked_at', ARGV[2])
return 1`

type Fields = Record<string, string> | null

/** HGETALL's flat `[field, value, …]` as an object. */
function fields(raw: unknown): Fields {
  if (!Array.isArray(raw) || raw.length === 0) return null
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1])
  return out
}

const toConsumer = (h: Fields): Consumer | null =>
  h?.id
    ? {
        id: h.id,
        name: h.name ?? '',
        scopes: h.scopes ? h.scopes.split(' ') : [],
        roles: h.roles ? h.roles.split(' ') : [],
        tier: h.tier || null,
        created_at: h.created_at ?? '',
      }
    : null

const toKeyInfo = (h: Fields): KeyInfo | null =>
  h?.id && h.consumer_id
    ? { id: h.id, consumer_id: h.consumer_id, created_at: h.created_at ?? '', revoked_at: h.revoked_at ?? null }
    : null

export function redisConsumerStore(config: RedisConsumerStoreConfig): ConsumerStore {
  const timeoutMs = config.timeoutMs ?? 2_000
  const redis = new TracedRedis({
    url: config.url,
    token: config.token,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
    enableAutoPipelining: false,
    automaticDeserialization: false,
  })
  const tag = `{${config.prefix ?? 'switchyard:apikeys'}}`
  const k = {
    consumer: (id: string) => `${tag}:consumer:${id}`,
    name: (name: string) => `${tag}:name:${name}`,
    consumers: `${tag}:consumers`,
    key: (id: string) => `${tag}:key:${id}`,
    keys: (consumerId: string) => `${tag}:keys:${consumerId}`,
  }
  const createConsumer = redis.createScript<number>(CREATE_CONSUMER)
  const addKey = redis.createScript<number>(ADD_KEY)
  const revokeKey = redis.createScript<number>(REVOKE_KEY)
  const hash = async (key: string): Promise<Fields> => fields(await redis.command(['HGETALL', key]))
  // Admin listings only: one call per record is fine there.
  const hashes = (keys: string[]): Promise<Fields[]> => Promise.all(keys.map(hash))
  const ids = async (key: string): Promise<string[]> => ((await redis.command<unknown[]>(['ZRANGE', key, 0, -1])) ?? []).map(String)

  return {
    async createConsumer({ name, scopes, roles, tier }) {
      const id = `c${randomHex(8)}`
      const now = new Date()
      const created_at = now.toISOString()
      const done = await createConsumer.exec(
        [k.name(name), k.consumer(id), k.consumers],
        [id, name, scopes.join(' '), roles.join(' '), tier ?? '', created_at, String(now.getTime())],
      )
      if (Number(done) === 0) return 'exists'
      return { id, name, scopes, roles, tier: tier ?? null, created_at }
    },
    async listConsumers() {
      return (await hashes((await ids(k.consumers)).map(k.consumer))).map(toConsumer).filter((c): c is Consumer => c !== null)
    },
    async getConsumer(id) {
      return toConsumer(await hash(k.consumer(id)))
    },
    async addKey(consumerId, keyId, hash) {
      const now = new Date()
      const created_at = now.toISOString()
      const done = await addKey.exec([k.key(keyId), k.keys(consumerId), k.consumer(consumerId)], [keyId, consumerId, hash, created_at, String(now.getTime())])
      if (Number(done) === 0) throw new Error(`consumer ${consumerId} no longer exists`)
      return { id: keyId, consumer_id: consumerId, created_at, revoked_at: null }
    },
    async listKeys(consumerId) {
      return (await hashes((await ids(k.keys(consumerId))).map(k.key))).map(toKeyInfo).filter((i): i is KeyInfo => i !== null)
    },
    async revokeKey(consumerId, keyId) {
      return Number(await revokeKey.exec([k.key(keyId)], [consumerId, new Date().toISOString()])) === 1
    },
    async findKey(keyId) {
      const key = await hash(k.key(keyId))
      const info = toKeyInfo(key)
      if (!info || !key?.hash) return null
      const consumer = toConsumer(await hash(k.consumer(info.consumer_id)))
      return consumer ? ({ ...info, hash: key.hash, consumer } satisfies StoredKey) : null
    },
  }
}
