import { describe, expect, it } from 'vitest'
import { gateway, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('X-Request-Id', () => {
  it('is generated when the client sends none', async () => {
    const res = await gateway('/health/live')
    expect(res.headers.get('x-request-id')).toMatch(UUID)
  })

  it('keeps a well-formed client id', async () => {
    const res = await gateway('/health/live', { headers: { 'x-request-id': 'client-abc_123=' } })
    expect(res.headers.get('x-request-id')).toBe('client-abc_123=')
  })

  it.each([
    ['too long', 'a'.repeat(129)],
    ['bad characters', 'abc def;<script>'],
  ])('replaces a malformed client id (%s)', async (_, id) => {
    const res = await gateway('/health/live', { headers: { 'x-request-id': id } })
    expect(res.headers.get('x-request-id')).toMatch(UUID)
  })

  it('is forwarded to the origin and echoed on the response', async () => {
    await resetOrigin('users')
    const res = await gateway('/api/v2/users/1', { headers: { 'x-request-id': 'trace-me-1', ...(await bearer('grace')) } })
    expect(res.headers.get('x-request-id')).toBe('trace-me-1')
    expect((await originStats('users')).lastHeaders['x-request-id']).toBe('trace-me-1')
  })

  it('is on error responses too (404, 405, 413)', async () => {
    const responses = await Promise.all([
      gateway('/nope'),
      gateway('/api/v2/users/1', { method: 'DELETE' }),
      gateway('/api/v2/orders', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }),
    ])
    for (const res of responses) expect(res.headers.get('x-request-id')).toMatch(UUID)
  })
})
