import { describe, expect, it } from 'vitest'
import { gateway, originStats, resetOrigin } from './helpers'
import { parseTp } from './tracing-helpers'

/**
 * W3C Trace Context Level 1 and 2, through the deployed gateway to an origin:
 * what the origin receives shows whether the trace was continued or restarted. Cases
 * follow the spec's own test suite (w3c/trace-context test/test.py) and DESIGN.md.
 */
const T = '12345678901234567890123456789012'
const P = '1234567890123456'

/** Through a public route (no token needed) to the inventory origin. */
async function forward(headers: [string, string][]) {
  await resetOrigin('inventory')
  const res = await gateway('/api/v2/inventory/SKU-RED-MUG', { headers })
  expect(res.status).toBe(200)
  const received = (await originStats('inventory')).lastHeaders
  return {
    sent: parseTp(received.traceparent),
    tracestate: received.tracestate,
    response: parseTp(res.headers.get('traceresponse')),
  }
}

describe('traceparent that restarts the trace', () => {
  const invalid: [string, string[]][] = [
    ['missing', []],
    ['empty', ['']],
    ['duplicated header (two valid values)', [`00-${T}-${P}-01`, `00-abcdefabcdefabcdefabcdefabcdefab-${P}-01`]],
    ['duplicated header (same value twice)', [`00-${T}-${P}-01`, `00-${T}-${P}-01`]],
    ['duplicated future-version header', [`cc-${T}-${P}-01-x`, `cc-${T}-${P}-01-y`]],
    ['version 00 with trailing data', [`00-${T}-${P}-01-what-the-future-will-be-like`]],
    ['version ff', [`ff-${T}-${P}-01`]],
    ['future version, no dash after flags', [`cc-${T}-${P}-01.what-the-future-will-be-like`]],
    ['version with illegal characters', [`.0-${T}-${P}-01`]],
    ['version uppercase', [`0A-${T}-${P}-01`]],
    ['version too long', [`000-${T}-${P}-01`]],
    ['version too short', [`0-${T}-${P}-01`]],
    ['trace-id all zeros', [`00-${'0'.repeat(32)}-${P}-01`]],
    ['trace-id uppercase', [`00-${'ABCDEF'.repeat(5)}AB-${P}-01`]],
    ['trace-id with illegal characters', [`00-.${T.slice(1)}-${P}-01`]],
    ['trace-id too long', [`00-${T}3-${P}-01`]],
    ['trace-id too short', [`00-${T.slice(1)}-${P}-01`]],
    ['parent-id all zeros', [`00-${T}-${'0'.repeat(16)}-01`]],
    ['parent-id uppercase', [`00-${T}-ABCDEF0123456789-01`]],
    ['parent-id with illegal characters', [`00-${T}-.${P.slice(1)}-01`]],
    ['parent-id too long', [`00-${T}-${P}0-01`]],
    ['parent-id too short', [`00-${T}-${P.slice(1)}-01`]],
    ['flags with illegal characters', [`00-${T}-${P}-.0`]],
    ['flags uppercase', [`00-${T}-${P}-0A`]],
    ['flags too long', [`00-${T}-${P}-001`]],
    ['flags too short', [`00-${T}-${P}-0`]],
    ['wrong delimiters', [`00_${T}_${P}_01`]],
  ]

  it.each(invalid)('%s → a new random trace, no tracestate carried over', async (_case, values) => {
    const { sent, tracestate, response } = await forward([
      ...values.map((v): [string, string] => ['traceparent', v]),
      ['tracestate', 'foo=1'],
    ])
    expect(sent.traceId).not.toBe(T)
    expect(sent.traceId).not.toBe('abcdefabcdefabcdefabcdefabcdefab')
    expect(sent.version).toBe('00')
    // New trace: sampled (ratio 1) and the Level 2 random flag, as the id is random.
    expect(sent.flags).toBe(0x03)
    expect(tracestate).toBeUndefined()
    expect(response.traceId).toBe(sent.traceId)
  })

  it('gives two requests without traceparent two different trace ids', async () => {
    const a = await forward([])
    const b = await forward([])
    expect(a.sent.traceId).not.toBe(b.sent.traceId)
  })
})

describe('traceparent that continues the trace', () => {
  const valid: [string, string, string, number][] = [
    // case, header name, value, flags expected downstream
    ['sampled', 'traceparent', `00-${T}-${P}-01`, 0x01],
    ['not sampled', 'traceparent', `00-${T}-${P}-00`, 0x00],
    ['sampled and random (Level 2)', 'traceparent', `00-${T}-${P}-03`, 0x03],
    ['random, not sampled', 'traceparent', `00-${T}-${P}-02`, 0x02],
    ['unknown flag bits are dropped', 'traceparent', `00-${T}-${P}-ff`, 0x03],
    ['header name in any case', 'TraceParent', `00-${T}-${P}-01`, 0x01],
    ['future version', 'traceparent', `cc-${T}-${P}-01`, 0x01],
    ['future version with more fields', 'traceparent', `cc-${T}-${P}-01-what-the-future-will-be-like`, 0x01],
    ['leading and trailing whitespace', 'traceparent', ` \t00-${T}-${P}-01\t `, 0x01],
  ]

  it.each(valid)('%s', async (_case, name, value, flags) => {
    const { sent, response } = await forward([[name, value]])
    expect(sent.traceId).toBe(T)
    expect(sent.parentId).not.toBe(P)
    expect(sent.version).toBe('00')
    expect(sent.flags).toBe(flags)
    expect(response).toMatchObject({ version: '00', traceId: T, flags })
  })
})

describe('tracestate', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i + 1}=v${i + 1}`)
  const traceparent: [string, string] = ['traceparent', `00-${T}-${P}-01`]
  const stateOf = async (...values: string[]) =>
    (await forward([traceparent, ...values.map((v): [string, string] => ['tracestate', v])])).tracestate

  it('passes 32 members on unchanged', async () => {
    expect(await stateOf(members(32).join(','))).toBe(members(32).join(','))
  })

  it('drops a tracestate of 33 members whole, and keeps the trace', async () => {
    const { sent, tracestate } = await forward([traceparent, ['tracestate', members(33).join(',')]])
    expect(tracestate).toBeUndefined()
    expect(sent.traceId).toBe(T)
  })

  it.each([
    ['an uppercase key', 'foo=1,BAR=2'],
    ['a key starting with "@"', 'foo=1,@bar=2'],
    ['a key starting with "_"', 'foo=1,_bar=2'],
    ['a key longer than 256', `foo=1,${'k'.repeat(257)}=2`],
    ['a key with "." (not a keychar)', 'foo=1,b.ar=2'],
    ['a value with "="', 'foo=1,bar=2=3'],
    ['a value longer than 256', `foo=1,bar=${'x'.repeat(257)}`],
    ['an empty value', 'foo=1,bar='],
    ['a member without "="', 'foo=1,bar'],
    ['a control character (DEL) in a value', 'foo=1,bar=a\x7fb'],
  ])('drops everything when one member has %s', async (_case, value) => {
    expect(await stateOf(value)).toBeUndefined()
  })

  // The current key grammar: ( lcalpha / DIGIT ) 0*255 keychar, `@` among the keychars.
  it.each([
    ['a digit first', '1bar=2'],
    ['"@" anywhere after the first character', 'a@b@c=1'],
    ['a tenant longer than 241 before "@"', `${'t'.repeat(242)}@v=2`],
    ['a system id longer than 14 after "@"', `t@${'v'.repeat(15)}=2`],
    ['"@" last', 'vendor@=1'],
    ['256 characters', `${'k'.repeat(256)}=2`],
  ])('accepts a key with %s', async (_case, member) => {
    expect(await stateOf(`foo=1,${member}`)).toBe(`foo=1,${member}`)
  })

  it('keeps the first (left-most, latest) entry of a repeated key and drops the later ones', async () => {
    expect(await stateOf('foo=1,bar=2,foo=3')).toBe('foo=1,bar=2')
    expect(await stateOf('foo=1', 'foo=2,baz=3')).toBe('foo=1,baz=3')
  })

  it('trims whitespace around members', async () => {
    expect(await stateOf('foo=1 \t , \t bar=2, \t baz=3')).toBe('foo=1,bar=2,baz=3')
  })

  it('skips empty and whitespace-only members, which do not count toward 32', async () => {
    expect(await stateOf(',foo=1,, \t ,bar=2,')).toBe('foo=1,bar=2')
    expect(await stateOf(`${members(32).join(',,')},,`)).toBe(members(32).join(','))
  })

  it('keeps spaces inside a value and multi-tenant keys', async () => {
    expect(await stateOf('tenant1@vendor=a b,x*y/z_-=1')).toBe('tenant1@vendor=a b,x*y/z_-=1')
  })

  it('combines repeated tracestate headers in order', async () => {
    expect(await stateOf('foo=1', 'bar=2,baz=3')).toBe('foo=1,bar=2,baz=3')
  })

  it('sends none for an empty or whitespace-only tracestate', async () => {
    expect(await stateOf('')).toBeUndefined()
    expect(await stateOf(' , ')).toBeUndefined()
  })

  it('truncates past 512 characters: members over 128 first, then from the end', async () => {
    const long = `big=${'x'.repeat(200)}`
    const small = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}=${'y'.repeat(20)}`)
    // 20 × 24 + 19 commas = 499 without `big`; with it, well over 512.
    expect(await stateOf([small[0], long, ...small.slice(1)].join(','))).toBe(small.join(','))
    const more = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}=${'y'.repeat(20)}`)
    // No long member: drop from the end until ≤ 512 (21 × 24 + 20 = 524 > 512, 20 fit).
    expect(await stateOf(more.join(','))).toBe(more.slice(0, 20).join(','))
  })
})
