/**
 * Request body framing in workerd: a body sent with `Content-Length` reaches the origin
 * Worker with that `Content-Length` and no `Transfer-Encoding` (the same under Deno:
 * test/deno/framing.test.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { gateway, originStats, resetOrigin } from './helpers'

const LOGIN = '{"email":"ada@example.com",  "password":"ada-dev-password"}'

/** A body that arrives in two chunks, its length declared up front. */
function twoChunks(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, 10))
      controller.enqueue(bytes.slice(10))
      controller.close()
    },
  })
}

describe('request body framing (workerd)', () => {
  beforeEach(() => resetOrigin('auth'))

  it('a login body keeps its Content-Length', async () => {
    const res = await gateway('/api/v2/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: LOGIN })
    expect(res.status).toBe(200)
    const seen = (await originStats('auth')).lastHeaders
    expect(seen['content-length']).toBe(String(LOGIN.length))
    expect(seen['transfer-encoding']).toBeUndefined()
  })

  it('a streamed body with a declared Content-Length arrives by that length', async () => {
    const res = await gateway('/api/v2/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(LOGIN.length) },
      body: twoChunks(LOGIN),
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(200)
    const seen = (await originStats('auth')).lastHeaders
    expect(seen['content-length']).toBe(String(LOGIN.length))
    expect(seen['transfer-encoding']).toBeUndefined()
  })
})
