import { describe, expect, it } from 'vitest'
import { shippedInput, urlConfig, workersInput } from '../src/config/deployment'
import { ConfigError } from '../src/config/errors'
import { gatewayConfigSchema, parseConfig } from '../src/config/schema'
import { checkedCorsOverride, sameData, shippedResult } from '../src/config/shipped'
import { checkedCorsOverrides, shippedOutput } from '../src/config/shipped.gen'
import { corsOverrideSchema } from '../src/cors/config'
import { corsPolicies } from '../src/cors/policy'
import { TABLES } from '../app/gateway'

const upstash = { kind: 'upstash', url: 'https://redis.example', token: 't0ken' }
const changed = (change: (input: Record<string, unknown>) => void) => {
  const input = shippedInput() as Record<string, unknown>
  change(input)
  return input
}

describe('the shipped config snapshot (npm run generate:config)', () => {
  it('is what the schema makes of what the Workers entry builds without variables', () => {
    expect(shippedInput()).toStrictEqual(workersInput({}, () => {}))
    expect(shippedOutput()).toStrictEqual(gatewayConfigSchema.parse(shippedInput()))
  })

  it('is given as a fresh copy each time, as zod builds one', () => {
    const a = shippedResult(shippedInput())
    const b = shippedResult(shippedInput())
    expect(a).toStrictEqual(b)
    expect(a).not.toBe(b)
    expect(a!.cors).not.toBe(b!.cors)
    expect((a!.cors as { allowHeaders: unknown }).allowHeaders).not.toBe((b!.cors as { allowHeaders: unknown }).allowHeaders)
  })
})

describe('parseConfig answers the shipped config from the snapshot, and nothing else', () => {
  it.each([
    ['the shipped config', shippedInput()],
    ['the shipped config, keys in another order', Object.fromEntries(Object.entries(shippedInput()).reverse())],
  ])('%s: the snapshot, equal to what zod makes of it', (_, input) => {
    expect(shippedResult(input)).toStrictEqual(gatewayConfigSchema.parse(input))
  })

  it.each([
    ['Upstash stores', changed((i) => {
      i.rateLimit = { ...(i.rateLimit as object), store: upstash }
      i.idempotency = { store: upstash }
    })],
    ['Workers variables', workersInput({ SWITCHYARD_CORS: '{"origins":["https://app.example.com"]}', OTEL_SERVICE_NAME: 'edge' }, () => {})],
    ['Deno URLs', urlConfig(Object.fromEntries(['auth', 'users', 'orders', 'payments', 'inventory'].map((n, i) => [`SWITCHYARD_${n.toUpperCase()}_URLS`, `http://127.0.0.1:${8800 + i}`])))],
    ['a shipped key left out', changed((i) => delete i.cors)],
    ['an absent key set to undefined', changed((i) => (i.versions = undefined))],
    ['a section set to its own default', changed((i) => (i.limits = { bodyBytes: 1024 * 1024 }))],
    ['a number as a string', changed((i) => ((i.caching as Record<string, unknown>).enabled = 'true'))],
    ['an unknown key', changed((i) => (i.ratelimit = {}))],
    ['an unknown key set to undefined', changed((i) => (i.ratelimit = undefined))],
    ['a non-enumerable key', changed((i) => Object.defineProperty(i.auth, 'realm', { value: 'other', enumerable: false }))],
    ['a symbol key', changed((i) => ((i as Record<symbol, unknown>)[Symbol('x')] = 1))],
    ['a class instance', Object.assign(new (class Config {})(), shippedInput())],
    ['an array', [shippedInput()]],
    ['null', null],
  ])('%s: through zod', (_, input) => {
    expect(shippedResult(input)).toBeUndefined()
  })

  it('a refused config is refused as before, with zod\'s issues', () => {
    const input = changed((i) => (i.auth = { realms: 'x' }))
    const error = (() => {
      try {
        parseConfig(input)
      } catch (err) {
        return err
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues).toContainEqual({ path: 'auth.realms', message: 'unknown key' })
  })
})

describe("the route tables' CORS overrides in the snapshot", () => {
  // The entries whose `cors` the endpoint factory reads (src/endpoint/factory.ts).
  const entries = [...Object.values(TABLES.versions).flat(), ...TABLES.root, ...TABLES.rpc.routes, ...TABLES.gateway] as { cors?: object }[]
  const overrides = entries.flatMap((e) => (e.cors ? [e.cors] : []))

  it("are every table's override, each what corsOverrideSchema makes of it, and nothing else", () => {
    expect(overrides.length).toBeGreaterThan(0)
    for (const override of overrides) expect(checkedCorsOverride(override)).toStrictEqual(corsOverrideSchema.parse(override))
    for (const checked of checkedCorsOverrides()) expect(overrides.some((o) => sameData(o, checked))).toBe(true)
  })

  it('are given as a fresh copy each time, as zod builds one', () => {
    const a = checkedCorsOverride(overrides[0]) as { allowHeaders: unknown }
    const b = checkedCorsOverride(overrides[0]) as { allowHeaders: unknown }
    expect(a).not.toBe(b)
    expect(a.allowHeaders).not.toBe(b.allowHeaders)
    expect(a.allowHeaders).not.toBe((overrides[0] as { allowHeaders: unknown }).allowHeaders)
  })

  const rpc = () => structuredClone(overrides[0]) as Record<string, unknown>
  it.each([
    ['a header more', Object.assign(rpc(), { allowHeaders: [...(rpc().allowHeaders as string[]), 'X-More'] })],
    ['a key left out', (({ methods: _, ...rest }) => rest)(rpc())],
    ['a key set to undefined', Object.assign(rpc(), { credentials: undefined })],
    ['a malformed origin', Object.assign(rpc(), { origins: ['nope'] })],
  ])('%s: through zod', (_, override) => {
    expect(checkedCorsOverride(override)).toBeUndefined()
  })

  it('an override the snapshot does not hold is still refused at start', () => {
    const policyOf = corsPolicies(shippedOutput().cors as Parameters<typeof corsPolicies>[0])
    expect(() => policyOf({ ...rpc(), origins: ['nope'] }, '/rpc/x')).toThrow(/\/rpc\/x: invalid cors override/)
    expect(policyOf(rpc(), '/rpc/x').allowHeaders).toContain('Connect-Protocol-Version')
  })
})

describe('sameData', () => {
  it.each([
    [{ a: [1, 'x', true, null] }, { a: [1, 'x', true, null] }, true],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [{ a: undefined }, {}, false],
    [{}, { a: undefined }, false],
    [{ a: undefined }, { a: undefined }, true],
    [[1, 2], [1, 2, 3], false],
    [[1, 2], { 0: 1, 1: 2 }, false],
    [-0, 0, false],
    [Number.NaN, Number.NaN, true],
    [new Date(0), {}, false],
    [Object.create({ a: 1 }), {}, false],
    [{ a: { b: 1 } }, { a: { b: '1' } }, false],
  ])('%j vs %j: %s', (input, shipped, same) => {
    expect(sameData(input, shipped)).toBe(same)
  })

  it('counts keys zod sees that JSON does not', () => {
    expect(sameData(Object.defineProperty({}, 'a', { value: 1, enumerable: false }), {})).toBe(false)
    expect(sameData({ [Symbol('a')]: 1 }, {})).toBe(false)
  })
})
