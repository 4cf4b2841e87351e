import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { workersConfig } from '../src/config/deployment'
import { ConfigError, startGateway } from '../src/config/errors'
import { createGateway } from '../app/gateway'
import { createLogger } from '../src/log'
import { rateLimitFromEnv } from '../src/ratelimit/env'
import { expectProblem, logCapture } from './helpers'

const bindings = env as unknown as Record<string, Fetcher | undefined>
const deps = { bindings: (name: string) => bindings[name] }
const memory = { kind: 'memory' }
const policy = { name: 'burst', quota: 5, window: 1 }
const deprecation = { deprecatedAt: '2026-01-01T00:00:00Z', sunsetAt: '2027-01-01T00:00:00Z', policyUrl: 'https://x.example/v1' }

/** The issues a config is refused with, as `path: message`. */
function refusal(overrides: Record<string, unknown>): ConfigError {
  try {
    createGateway({ ...workersConfig(), ...overrides }, deps)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('the config was accepted')
}
const paths = (err: ConfigError) => err.issues.map((i) => i.path)

describe('every config section refuses unknown keys', () => {
  it.each([
    ['top level (wrong case)', { ratelimit: { policies: [policy] } }, 'ratelimit'],
    ['services', { services: { users: { bindings: ['USERS'], binding: 'USERS' } } }, 'services.users.binding'],
    ['versions', { versions: { supported: ['v1', 'v2'], default: 'v2', latest: 'v2' } }, 'versions.latest'],
    ['limits', { limits: { bodyByte: 10 } }, 'limits.bodyByte'],
    ['health', { health: { timeout: 10 } }, 'health.timeout'],
    ['deprecations', { deprecations: { v1: { ...deprecation, sunset: 'x' } } }, 'deprecations.v1.sunset'],
    ['resilience', { resilience: { defaults: { retries: 3 } } }, 'resilience.defaults.retries'],
    ['auth', { auth: { realms: 'x' } }, 'auth.realms'],
    ['tracing', { tracing: { sample: 1 } }, 'tracing.sample'],
    ['caching', { caching: { enable: false } }, 'caching.enable'],
    ['rateLimit', { rateLimit: { store: memory, policies: [policy], polices: [] } }, 'rateLimit.polices'],
    ['rateLimit policy', { rateLimit: { store: memory, policies: [{ ...policy, failur: 'closed' }] } }, 'rateLimit.policies[0].failur'],
    ['rateLimit store', { rateLimit: { store: { ...memory, ttl: 1 }, policies: [policy] } }, 'rateLimit.store.ttl'],
    ['rateLimit tier', { rateLimit: { store: memory, policies: [{ ...policy, tiers: { pro: { quotas: 9 } } }] } }, 'rateLimit.policies[0].tiers.pro.quotas'],
  ])('%s', (_, overrides, path) => {
    const err = refusal(overrides)
    expect(err.issues).toContainEqual({ path, message: 'unknown key' })
    expect(err.message).toContain(path)
  })
})

describe('names that point elsewhere must name something real', () => {
  it.each([
    ['a policy matching an unknown service', { rateLimit: { store: memory, policies: [{ ...policy, match: { services: ['user'] } }] } }, 'rateLimit.policies[0].match.services[0]', /user names no configured service/],
    ['a policy matching an unknown route group', { rateLimit: { store: memory, policies: [{ ...policy, match: { groups: ['payment-write'] } }] } }, 'rateLimit.policies[0].match.groups[0]', /payment-write is no route group of the tables \(groups: payments-write\)/],
    ['resilience for an unknown service', { resilience: { services: { billing: {} } } }, 'resilience.services.billing', /names no configured service/],
    ['a deprecation of an unsupported version', { deprecations: { v5: deprecation } }, 'deprecations.v5', /v5 is not a supported version/],
    ['a deprecation of the newest version', { deprecations: { v2: deprecation } }, 'deprecations.v2', /newest version/],
    ['a default version that is not supported', { versions: { supported: ['v2'], default: 'v1' } }, 'versions.default', /default version v1 is not supported/],
    ['a sunset before the deprecation', { deprecations: { v1: { ...deprecation, sunsetAt: '2025-01-01T00:00:00Z' } } }, 'deprecations.v1.sunsetAt', /must not be earlier/],
  ])('%s', (_, overrides, path, message) => {
    const issue = refusal(overrides).issues.find((i) => i.path === path)
    expect(issue?.message).toMatch(message)
  })

  it('a policy may match every configured service and the tables\' groups', () => {
    const rateLimit = {
      store: memory,
      policies: [{ ...policy, match: { services: ['users', 'payments'], groups: ['payments-write'] } }],
    }
    expect(() => createGateway({ ...workersConfig(), rateLimit }, deps)).not.toThrow()
  })
})

describe('one error for every problem', () => {
  const bad = {
    ratelimit: {},
    limits: { bodyBytes: -1 },
    deprecations: { v5: deprecation },
    resilience: { services: { billing: {} } },
    rateLimit: { store: memory, policies: [{ ...policy, failur: 'closed', match: { groups: ['nope'] } }] },
  }

  it('lists schema and cross-reference problems together, each with its path', () => {
    expect(paths(refusal(bad)).sort()).toEqual(
      [
        'ratelimit',
        'limits.bodyBytes',
        'deprecations.v5',
        'resilience.services.billing',
        'rateLimit.policies[0].failur',
        'rateLimit.policies[0].match.groups[0]',
      ].sort(),
    )
  })

  it('a refused config is logged once and every request answers 500 #misconfigured naming the paths', async () => {
    const capture = logCapture()
    const app = startGateway(() => createGateway({ ...workersConfig(), ...bad }, deps), createLogger({}, capture.sink))
    expect(capture.lines).toHaveLength(1)
    expect(capture.lines[0]).toMatchObject({ level: 'error', msg: expect.stringContaining('misconfigured') })
    expect(String(capture.lines[0]!.error)).toContain('rateLimit.policies[0].failur')

    for (const [path, method] of [['/api/v2/users/1', 'GET'], ['/health/live', 'GET'], ['/nope', 'POST']] as const) {
      const body = await expectProblem(await app.fetch(new Request(`http://gw.test${path}`, { method })), 500)
      expect(body.type).toBe('https://switchyard.example/problems#misconfigured')
      expect(body.instance).toBe(path)
      expect(body.detail).toContain('rateLimit.policies[0].failur')
      expect(body.detail).toContain('deprecations.v5')
    }
    expect(capture.lines).toHaveLength(1)
  })

  it('SWITCHYARD_RATE_LIMIT with a typo reaches the same answer (the entries build it from the environment)', async () => {
    const capture = logCapture()
    const vars = { SWITCHYARD_RATE_LIMIT: '{"policies":[{"name":"x","quota":5,"window":1,"failur":"closed"}]}' }
    const app = startGateway(
      () => createGateway({ ...workersConfig(), rateLimit: rateLimitFromEnv(vars, () => {}) }, deps),
      createLogger({}, capture.sink),
    )
    const body = await expectProblem(await app.fetch(new Request('http://gw.test/api/v2/inventory/SKU-RED-MUG')), 500)
    expect(body.detail).toContain('failur')
    expect(body.paths).toEqual(['rateLimit.policies[0].failur'])
    expect(capture.lines).toHaveLength(1)
  })

  it('a good config starts the gateway itself', async () => {
    const app = startGateway(() => createGateway(workersConfig(), deps))
    expect((await app.fetch(new Request('http://gw.test/health/live'))).status).toBe(200)
  })
})
