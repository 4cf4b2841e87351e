/**
 * Coalescing across separate client requests, over HTTP: the gateway Worker served by
 * workerd (Miniflare), many identical requests in flight at once. Inside the workerd test
 * runner every call shares one request context, so only this shows that a shared answer
 * never hands one request's body stream to another's handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script shared with dev tooling
import { gatewayWorker, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM script shared with the benchmarks
import { adminToken } from '../../bench/lib.mjs'

let servers: { urls: Record<string, string>; dispose: () => Promise<void> }
let auth: Record<string, string>

beforeAll(async () => {
  const gateway = await gatewayWorker({ bindings: { SWITCHYARD_RATE_LIMIT: 'off' } })
  servers = await startOriginServers({ extraWorkers: [gateway], quiet: true })
  auth = { authorization: `Bearer ${await adminToken(servers.urls.gateway)}` }
})

afterAll(() => servers?.dispose())

const stats = async () =>
  ((await (await fetch(`${servers.urls.users}/__faults/stats`)).json()) as { byPath: Record<string, number> }).byPath

describe('coalescing between concurrent client requests (gateway served by workerd)', () => {
  it.each([
    ['/api/v2/users/1', { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' }],
    // v1: the transform reads the shared body in each follower's own request.
    ['/api/v1/users/1', { id: 1, name: 'Ada Lovelace' }],
  ])('30 identical requests in flight to %s all get the full answer, from fewer origin calls', async (path, expected) => {
    await fetch(`${servers.urls.users}/__faults/stats`, { method: 'DELETE' })
    // Slow the origin a little so the requests overlap.
    await fetch(`${servers.urls.users}/__faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'delay', delayMs: 150 }),
    })
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const res = await fetch(`${servers.urls.gateway}${path}`, { headers: auth })
          return { status: res.status, body: await res.text() }
        }),
      )
      for (const answer of answers) {
        expect(answer.status).toBe(200)
        const body = JSON.parse(answer.body) as Record<string, unknown>
        if (path.startsWith('/api/v1/')) expect(body).toEqual(expected)
        else expect(body).toMatchObject(expected)
      }
      expect((await stats())['/users/1']).toBeLessThan(30)
    } finally {
      await fetch(`${servers.urls.users}/__faults`, { method: 'DELETE' })
    }
  })
})
