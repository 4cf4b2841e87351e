import { describe, expect, it } from 'vitest'
import { workersConfig } from '../src/config/deployment'
import { createGateway } from '../app/gateway'
import { addressKey, parseIpv6 } from '../src/ratelimit/client-key'
import { parseRateLimitConfig } from '../src/ratelimit/config'
import { DEFAULT_FAILURES, DEFAULT_POLICIES, rateLimitFromEnv } from '../src/ratelimit/env'
import { createMemoryStore } from '../src/ratelimit/memory-store'
import { customGateway } from './helpers'
import { parseLimitField, PUBLIC_PATH } from './ratelimit-support'

const memory = { kind: 'memory' as const }

describe('rate-limit config', () => {
  it('defaults: 100 ms store timeout, open failure, global scope, free tier', () => {
    const config = parseRateLimitConfig({
      store: { kind: 'upstash', url: 'https://example.upstash.io', token: 't' },
      policies: [{ name: 'burst', quota: 20, window: 1 }],
    })
    expect(config.store).toMatchObject({ timeoutMs: 100, connectTimeoutMs: 1000, prefix: 'sy:rl' })
    expect(config.policies[0]).toMatchObject({ scope: 'global', failure: 'open', match: {}, tiers: {} })
    expect(config.tier).toEqual({ claim: 'tier', default: 'free' })
  })

  it('rejects a bad section at start-up with one readable error', () => {
    const bad = {
      store: { kind: 'upstash', url: 'redis://nope', token: '', timeoutMs: 60_000 },
      policies: [
        { name: 'Burst!', quota: 0, window: 0.5, scope: 'planet', failure: 'maybe' },
        { name: 'dup', quota: 1, window: 1 },
        { name: 'dup', quota: 1, window: 1 },
      ],
    }
    let message = ''
    try {
      createGateway({ ...workersConfig(), rateLimit: bad })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^invalid gateway config/)
    for (const path of ['rateLimit.store.url', 'rateLimit.store.token', 'rateLimit.store.timeoutMs', 'rateLimit.policies[0].name', 'rateLimit.policies[0].quota', 'rateLimit.policies[0].window', 'rateLimit.policies[0].scope', 'rateLimit.policies[0].failure']) {
      expect(message).toContain(path)
    }
    const upstash = { kind: 'upstash', url: 'https://example.upstash.io', token: 't' }
    const policies = [{ name: 'a', quota: 1, window: 1 }]
    for (const connectTimeoutMs of [0, 10_001, 1.5, '1000', null]) {
      expect(() => parseRateLimitConfig({ store: { ...upstash, connectTimeoutMs }, policies })).toThrow(/invalid rate-limit config[\s\S]*store\.connectTimeoutMs/)
    }
    // A misspelt key is refused, not ignored (the store configs are strict).
    expect(() => parseRateLimitConfig({ store: { ...upstash, connectTimeout: 1000 }, policies })).toThrow(/invalid rate-limit config[\s\S]*connectTimeout/)
    expect(parseRateLimitConfig({ store: { ...upstash, connectTimeoutMs: 2500 }, policies }).store).toMatchObject({ connectTimeoutMs: 2500 })
    expect(() => parseRateLimitConfig({ store: memory, policies: [{ name: 'a', quota: 1, window: 1 }, { name: 'a', quota: 2, window: 2 }] })).toThrow(
      /policy names must be unique/,
    )
  })
})

describe('rateLimitFromEnv', () => {
  const upstash = { UPSTASH_REDIS_REST_URL: 'https://db.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'secret' }

  it('uses Redis when the Upstash variables are set, with the default policies', () => {
    const warnings: string[] = []
    const section = rateLimitFromEnv(upstash, (m) => warnings.push(m))
    expect(section).toEqual({
      policies: DEFAULT_POLICIES,
      failures: DEFAULT_FAILURES,
      store: { kind: 'upstash', url: upstash.UPSTASH_REDIS_REST_URL, token: 'secret' },
    })
    expect(warnings).toEqual([])
    expect(parseRateLimitConfig(section).policies.map((p) => p.name)).toEqual(['burst', 'sustained', 'payment-writes'])
  })

  it('merges SWITCHYARD_RATE_LIMIT JSON over the defaults; "off" turns limiting off', () => {
    const section = rateLimitFromEnv({
      ...upstash,
      SWITCHYARD_RATE_LIMIT: JSON.stringify({ store: { timeoutMs: 50 }, policies: [{ name: 'x', quota: 1, window: 1 }] }),
    })
    expect(parseRateLimitConfig(section).store).toMatchObject({ kind: 'upstash', timeoutMs: 50, token: 'secret' })
    expect(section!.policies).toEqual([{ name: 'x', quota: 1, window: 1 }])
    // Policies given replace the default policies; the failure limits stay unless set or turned off.
    expect(section!.failures).toEqual(DEFAULT_FAILURES)
    const without = rateLimitFromEnv({ ...upstash, SWITCHYARD_RATE_LIMIT: JSON.stringify({ failures: null }) })
    expect(without!.failures).toBeUndefined()
    expect(() =>
      parseRateLimitConfig({ ...section, policies: [{ name: 'failed-auth', quota: 1, window: 1 }] }),
    ).toThrow(/failed-auth and failed-login name the failure limits/)
    expect(rateLimitFromEnv({ ...upstash, SWITCHYARD_RATE_LIMIT: 'off' })).toBeUndefined()
    expect(() => rateLimitFromEnv({ SWITCHYARD_RATE_LIMIT: '{nope' })).toThrow(/SWITCHYARD_RATE_LIMIT is neither "off" nor valid JSON/)
    expect(() => rateLimitFromEnv({ SWITCHYARD_RATE_LIMIT: '[1]' })).toThrow(/must be an object/)
  })

  it('falls back to per-isolate memory with one warning, or none when chosen', () => {
    const warnings: string[] = []
    expect(rateLimitFromEnv({}, (m) => warnings.push(m))!.store).toEqual(memory)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/per-isolate memory.*UPSTASH_REDIS_REST_URL/)
    expect(rateLimitFromEnv({ SWITCHYARD_RATE_LIMIT_STORE: 'memory' }, (m) => warnings.push(m))!.store).toEqual(memory)
    expect(warnings).toHaveLength(1)
  })
})

describe('client keys', () => {
  it('cuts IPv6 to its /64, treats IPv4-mapped addresses as IPv4, keeps odd input harmless', () => {
    expect(parseIpv6('2001:db8::1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull()
    expect(parseIpv6('1::2::3')).toBeNull()
    expect(parseIpv6('12345::')).toBeNull()
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64)).toBe('2001:db8:1:2:0:0:0:0/64')
    expect(addressKey('[2001:DB8:1:2::9]', 64)).toBe('2001:db8:1:2:0:0:0:0/64')
    expect(addressKey('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200:0:0:0:0/56')
    expect(addressKey('::ffff:192.0.2.7', 64)).toBe('192.0.2.7')
    expect(addressKey('203.0.113.9', 64)).toBe('203.0.113.9')
    expect(addressKey(undefined, 64)).toBe('unknown')
    expect(addressKey('{evil}:x', 64)).toBe('%7Bevil%7D%3Ax')
  })
})

describe('in-memory store (the no-Redis fallback)', () => {
  it('keeps the same sliding-window semantics as the Redis script', async () => {
    let now = 1_000_000
    const store = createMemoryStore(() => now)
    const check = [{ key: 'k', quota: 2, windowMs: 10_000 }]
    expect(await store.check(check)).toEqual({ allowed: true, states: [{ count: 1, resetMs: 10_000, violated: false }] })
    now += 4_000
    expect(await store.check(check)).toEqual({ allowed: true, states: [{ count: 2, resetMs: 6_000, violated: false }] })
    // Full: denied, not counted, and told when the oldest request leaves.
    expect(await store.check(check)).toEqual({ allowed: false, states: [{ count: 2, resetMs: 6_000, violated: true }] })
    now += 6_000
    expect((await store.check(check)).allowed).toBe(true)
  })

  it('is all or nothing across policies', async () => {
    const store = createMemoryStore(() => 0)
    const checks = [
      { key: 'a', quota: 5, windowMs: 1000 },
      { key: 'b', quota: 1, windowMs: 1000 },
    ]
    expect((await store.check(checks)).allowed).toBe(true)
    const denied = await store.check(checks)
    expect(denied.allowed).toBe(false)
    expect(denied.states.map((s) => [s.count, s.violated])).toEqual([[1, false], [1, true]])
  })

  it('limits a gateway without Redis, and malformed client addresses are no error', async () => {
    const gw = customGateway({ rateLimit: { store: memory, policies: [{ name: 'mem', quota: 1, window: 60 }] } })
    const statuses: number[] = []
    for (const ip of ['garbage', 'x'.repeat(5000), '::zz', 'garbage']) {
      const res = await gw.fetch(PUBLIC_PATH, { headers: { 'cf-connecting-ip': ip } })
      statuses.push(res.status)
      expect(parseLimitField(res.headers.get('ratelimit-policy')).get('mem')).toEqual({ q: 1, w: 60 })
      await res.body?.cancel()
    }
    expect(statuses).toEqual([200, 200, 200, 429])
  })
})
