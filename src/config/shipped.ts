/**
 * Building and running the config's zod schemas is most of what a cold isolate spent on
 * its config (hundreds of schema objects; each first call of zod's code compiled). Most
 * deployments run the config that ships: the same input in every isolate, with the same
 * result. So an input exactly equal to `shippedInput()` takes that result from
 * src/config/shipped.gen.ts, written by the schema itself (`npm run generate:config`;
 * test/config-shipped.test.ts fails when it is stale), and no schema is built; any other
 * input goes through zod as before. The same holds for the route tables' CORS overrides
 * (src/cors/policy.ts): one equal to a table's takes the snapshot's copy.
 */
import { shippedInput, shippedOutput } from './deployment'
import { checkedCorsOverrides } from './shipped.gen'

type Loose = Record<string, unknown>

/** A plain object or array: what a config is made of, as opposed to anything with a class. */
const isPlain = (v: unknown): v is Loose =>
  typeof v === 'object' && v !== null && [Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(v))

/**
 * The same data: plain objects (arrays) with the same own keys — symbols, non-enumerable
 * ones and one set to `undefined` count, as zod sees them all — holding the same data;
 * primitives by `Object.is`. The shipped side is plain data.
 */
export function sameData(input: unknown, shipped: unknown): boolean {
  if (Object.is(input, shipped)) return true
  if (!isPlain(input) || !isPlain(shipped) || Array.isArray(input) !== Array.isArray(shipped)) return false
  const keys = Object.keys(shipped)
  return (
    Reflect.ownKeys(input).length === Reflect.ownKeys(shipped).length &&
    keys.every((k) => Object.hasOwn(input, k) && sameData(input[k], shipped[k]))
  )
}

/** What the schema makes of `input` when it is the shipped config (a fresh copy), else undefined. */
export const shippedResult = (input: unknown) => (sameData(input, shippedInput()) ? shippedOutput() : undefined)

/** What corsOverrideSchema makes of `override` when it is a route table's (a fresh copy), else undefined. */
export const checkedCorsOverride = (override: unknown) => checkedCorsOverrides().find((checked) => sameData(override, checked))
