/**
 * The origins bundle services/shared/zod/ in place of `zod` (their wrangler.toml
 * `[alias]`): it must offer everything classic zod's namespace does except the locales,
 * `fromJSONSchema` and the ahead-of-time compiler, so a zod upgrade that adds or moves an export fails here
 * rather than in a deployed origin.
 */
import { describe, expect, it } from 'vitest'
import * as zod from 'zod'
import * as lean from '../services/shared/zod/index'

const COMPILER = ['INVALID', 'ZodCompileAsyncError', 'ZodCompileUnsupportedError', 'compile', 'withParser']
const without = (keys: string[], dropped: string[]) => keys.filter((k) => !dropped.includes(k)).sort()

describe("origins' classic zod without locales", () => {
  it('exports what zod does, minus locales, fromJSONSchema and the compiler', () => {
    expect(Object.keys(lean.z).sort()).toEqual(without(Object.keys(zod.z), ['locales', 'fromJSONSchema', ...COMPILER]))
    expect(Object.keys(lean.z.core).sort()).toEqual(without(Object.keys(zod.z.core), ['locales', ...COMPILER, 'compileFn']))
    expect('locales' in lean.z).toBe(false)
  })

  it('is the same zod: schemas, English messages and JSON Schema', () => {
    expect(lean.z.ZodType).toBe(zod.z.ZodType)
    expect(lean.z.core.$ZodError).toBe(zod.z.core.$ZodError)
    const result = lean.z.object({ n: lean.z.number().int() }).safeParse({ n: 'x' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe('Invalid input: expected number, received string')
    expect(lean.z.toJSONSchema(lean.z.string().min(2))).toEqual(zod.z.toJSONSchema(zod.z.string().min(2)))
  })
})
