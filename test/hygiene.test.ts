import { beforeEach, describe, expect, it } from 'vitest'
import { fieldsWithoutHopByHop } from '../src/proxy/headers'
import { gateway, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

async function headersAtOrigin(init: RequestInit): Promise<Record<string, string>> {
  const headers = { ...(init.headers as Record<string, string> | undefined), ...(await bearer('grace')) }
  const res = await gateway('/api/v2/users/1', { ...init, headers })
  expect(res.status).toBe(200)
  return (await originStats('users')).lastHeaders
}

describe('header hygiene on the way to the origin', () => {
  beforeEach(() => resetOrigin('users'))

  it('drops headers named in Connection (Connection: x-secret)', async () => {
    const seen = await headersAtOrigin({ headers: { connection: 'x-secret', 'x-secret': '1' } })
    expect(seen['x-secret']).toBeUndefined()
    expect(seen.connection).toBeUndefined()
  })

  it('drops hop-by-hop and Proxy-* headers', async () => {
    const seen = await headersAtOrigin({
      headers: { 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-authorization': 'Basic eDp5', 'proxy-x': '1' },
    })
    for (const name of ['keep-alive', 'te', 'proxy-authorization', 'proxy-x']) expect(seen[name]).toBeUndefined()
  })

  it('never forwards client-sent internal identity headers', async () => {
    const seen = await headersAtOrigin({
      headers: { 'x-switchyard-user': 'admin', 'X-Switchyard-Scopes': 'admin:all' },
    })
    // Only the identity the gateway verified (grace, user 2) arrives.
    expect(seen['x-switchyard-user']).toBeUndefined()
    expect(seen['x-switchyard-subject']).toBe('2')
    expect(seen['x-switchyard-scopes']).not.toContain('admin:all')
  })

  it('replaces client-sent forwarding headers with what the platform saw', async () => {
    const seen = await headersAtOrigin({
      headers: {
        'cf-connecting-ip': '203.0.113.7',
        'x-forwarded-for': '10.0.0.1',
        forwarded: 'for=10.0.0.1',
        'x-real-ip': '10.0.0.1',
      },
    })
    expect(seen['x-forwarded-for']).toBe('203.0.113.7')
    expect(seen.forwarded).toBe('for=203.0.113.7;proto=http;host="gateway.test"')
    expect(seen['x-real-ip']).toBeUndefined()
    expect(seen['x-forwarded-proto']).toBe('http')
  })

  it('brackets IPv6 client addresses in Forwarded', async () => {
    const seen = await headersAtOrigin({ headers: { 'cf-connecting-ip': '2001:db8::1' } })
    expect(seen.forwarded).toContain('for="[2001:db8::1]"')
  })

  it('appends itself to Via', async () => {
    expect((await headersAtOrigin({})).via).toBe('1.1 switchyard')
    expect((await headersAtOrigin({ headers: { via: '1.1 cdn' } })).via).toBe('1.1 cdn, 1.1 switchyard')
  })

  it('keeps end-to-end headers such as Accept and Authorization', async () => {
    const seen = await headersAtOrigin({ headers: { accept: 'application/json', 'x-custom': 'kept' } })
    expect(seen.accept).toBe('application/json')
    // The origin's stats redact credential values; the entry shows the header arrived.
    expect(seen.authorization).toBe('[redacted]')
    expect(seen['x-custom']).toBe('kept')
  })
})

describe('header fields for the one Request or Response built from them', () => {
  it('keeps every Set-Cookie apart and the rest as Headers would hold them', () => {
    const origin = new Headers([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['vary', 'accept'],
      ['vary', 'origin'],
      ['connection', 'x-hop'],
      ['x-hop', 'gone'],
      ['x-switchyard-subject', 'gone'],
      ['__proto__', 'kept'],
    ])
    const res = new Response(null, { headers: fieldsWithoutHopByHop(origin, { internal: true }).init() })
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect([...res.headers]).toEqual([
      ['__proto__', 'kept'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['vary', 'accept, origin'],
    ])
  })

  it('is a plain record when no field repeats', () => {
    const fields = fieldsWithoutHopByHop(new Headers({ accept: 'application/json', te: 'trailers' }))
    expect(fields.init()).toEqual({ accept: 'application/json' })
  })
})
