// Shared pieces of the rate-limit tests: the real Redis (through the Upstash-compatible
// bridge that test/setup/redis.ts starts), its control endpoint, and header parsing.
import { env } from 'cloudflare:workers'
import type { JWTPayload } from 'jose'
import { parseList } from 'structured-headers'
import type { GatewayDeps } from '../app/gateway'
import { createLogger } from '../src/log'
import { parseRateLimitConfig, type RateLimitConfigInput } from '../src/ratelimit/config'
import { createLimiter } from '../src/ratelimit/limiter'
import { customGateway, logCapture } from './helpers'
import { claimsFor, signToken } from './tokens'

const vars = env as unknown as Record<string, string>

export interface RedisAccess {
  url: string
  token: string
  control: string
}

export const hasTestRedis = (): boolean => !vars.REDIS_ERROR && Boolean(vars.REDIS_URL)

/**
 * The test Redis; throws when redis-server is missing, so every test that needs it
 * fails (never skips), in CI as anywhere.
 */
export function testRedis(): RedisAccess {
  if (vars.REDIS_ERROR) throw new Error(vars.REDIS_ERROR)
  if (!vars.REDIS_URL) throw new Error('REDIS_URL is not bound: test/setup/redis.ts did not run')
  return { url: vars.REDIS_URL, token: vars.REDIS_TOKEN!, control: vars.REDIS_CONTROL_URL! }
}

/** One Redis command through the bridge, as any Upstash REST client sends it. */
export async function redisCommand(command: (string | number)[]): Promise<unknown> {
  const redis = testRedis()
  const res = await fetch(redis.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${redis.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(command),
  })
  const body = (await res.json()) as { result?: unknown; error?: string }
  if (!res.ok) throw new Error(`redis ${command[0]} failed: ${res.status} ${body.error}`)
  return body.result
}

async function control(method: string, path: string): Promise<unknown> {
  const res = await fetch(`${testRedis().control}${path}`, { method })
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

export interface BridgeStats {
  requests: number
  byPath: Record<string, number>
  commands: Record<string, number>
  /** `traceparent` of the last REST call the bridge received. */
  lastTraceparent: string | null
  /** Calls received and not answered yet (held by {@link delayBridge}, or running). */
  inFlight: number
}

export const bridgeStats = () => control('GET', '/stats') as Promise<BridgeStats>
export const resetBridgeStats = () => control('DELETE', '/stats')
/** Kills redis-server (as a crash would); `startRedis` brings it back on the same port, empty. */
export const stopRedis = () => control('POST', '/redis/stop')
export const startRedis = () => control('POST', '/redis/start')
/** Holds every bridge request `ms` before it reaches Redis (0 lifts it): a slow store. */
export const delayBridge = (ms: number) => control('PUT', `/bridge/delay/${ms}`)

/** A client address no other test uses, so counters never carry over. */
export function uniqueIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3))
  return `10.${a}.${b}.${c! % 254 + 1}`
}

/**
 * A public route (no token, so no identity): callers here are counted by address.
 * Protected routes answer an anonymous caller 401 before the limiter runs.
 */
export const PUBLIC_PATH = '/api/v2/inventory/SKU-RED-MUG'

/**
 * A caller with a real access token — signed with the dev key and verified by the
 * gateway against the auth origin's JWKS — for a subject no other test uses (with the
 * admin's scopes and roles, so every route admits it). `claims` adds or overrides
 * claims, e.g. `{ tier: 'pro' }`.
 */
export async function verifiedUser(claims: JWTPayload = {}): Promise<{ sub: string; authorization: string }> {
  const sub = `rl-${crypto.randomUUID()}`
  const token = await signToken({ ...claimsFor('grace'), sub, ...claims })
  return { sub, authorization: `Bearer ${token}` }
}

/**
 * A gateway over the real origins, rate limited on the test Redis with `rateLimit`;
 * returns its limiter (for its counters) and its log lines.
 */
export function limitedGateway(
  rateLimit: Omit<RateLimitConfigInput, 'store'> & { store?: Record<string, unknown> },
  deps: GatewayDeps = {},
) {
  const redis = testRedis()
  const logs = logCapture()
  const { store, ...rest } = rateLimit
  const section = { ...rest, store: { kind: 'upstash', url: redis.url, token: redis.token, ...store } } as RateLimitConfigInput
  const limiter = createLimiter(parseRateLimitConfig(section))
  const gw = customGateway(
    // No coalescing: the tests count each admitted request at the origin.
    { rateLimit: section, caching: { coalesce: false } },
    { logger: createLogger({ service: 'switchyard' }, logs.sink), rateLimiter: limiter, ...deps },
  )
  return { ...gw, logs: logs.lines, limiter }
}

export type ParsedLimits = Map<string, Record<string, unknown>>

/** Parses a RateLimit / RateLimit-Policy field as a structured-field List (throws if invalid). */
export function parseLimitField(value: string | null): ParsedLimits {
  if (value === null) throw new Error('missing rate-limit field')
  const out: ParsedLimits = new Map()
  for (const member of parseList(value)) {
    const [item, params] = member
    if (typeof item !== 'string') throw new Error(`policy name must be an sf-string: ${value}`)
    out.set(item, Object.fromEntries(params))
  }
  return out
}

/** Sends `count` requests at once and tallies their statuses. */
export async function burst(
  count: number,
  send: () => Promise<Response>,
): Promise<{ statuses: Record<number, number>; responses: Response[] }> {
  const responses = await Promise.all(Array.from({ length: count }, send))
  const statuses: Record<number, number> = {}
  for (const res of responses) statuses[res.status] = (statuses[res.status] ?? 0) + 1
  await Promise.all(responses.map((r) => r.body?.cancel()))
  return { statuses, responses }
}
