import { describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway, originStats, resetOrigin } from './helpers'
import { bearer } from './tokens'

describe('errors are RFC 9457 problem+json', () => {
  it('unknown path → 404 with instance and request id', async () => {
    const res = await gateway('/nope')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const body = await expectProblem(res, 404)
    expect(body.instance).toBe('/nope')
  })

  it('unknown version → 400 listing the supported versions', async () => {
    const body = await expectProblem(await gateway('/api/v9/users/1', { headers: await bearer('ada') }), 400)
    expect(body.supported).toEqual(['v1', 'v2'])
  })

  it('known path, wrong method → 405 with Allow', async () => {
    const res = await gateway('/api/v2/users/1', { method: 'DELETE' })
    expect(res.headers.get('allow')).toBe('GET, PATCH, HEAD')
    const body = await expectProblem(res, 405)
    expect(body.allowed).toEqual(['GET', 'PATCH', 'HEAD'])
  })

  it('HEAD is served by the GET route; OPTIONS on a known path → 405', async () => {
    const head = await gateway('/api/v2/users/1', { method: 'HEAD', headers: await bearer('grace') })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    await expectProblem(await gateway('/api/v2/users/1', { method: 'OPTIONS', headers: await bearer('grace') }), 405)
  })

  it('a 2 MiB body with Content-Length → 413 and the origin is not called', async () => {
    await resetOrigin('orders')
    const res = await gateway('/api/v2/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(2 * 1024 * 1024),
    })
    const body = await expectProblem(res, 413)
    expect(body.limit).toBe(1024 * 1024)
    expect((await originStats('orders')).requests).toBe(0)
  })

  it('a streamed body that grows past the limit → 413', async () => {
    const chunk = new Uint8Array(256 * 1024)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close()
        sent++
        controller.enqueue(chunk)
      },
    })
    const res = await gateway('/api/v2/orders', {
      method: 'POST',
      headers: await bearer('ada'),
      body: stream,
      duplex: 'half',
    } as RequestInit)
    await expectProblem(res, 413)
  })

  it('the limit comes from config', async () => {
    const small = customGateway({ limits: { bodyBytes: 10 } })
    const res = await small.fetch('/api/v2/orders', { method: 'POST', body: '{"user_id": 1, "x": 1}' })
    await expectProblem(res, 413)
  })

  it('an origin that drops the connection → 502 naming the service', async () => {
    const broken = customGateway({ services: { users: { urls: ['http://127.0.0.1:9'] } } })
    const body = await expectProblem(await broken.fetch('/api/v2/users/1', { headers: await bearer('grace') }), 502)
    expect(body.service).toBe('users')
  })
})
