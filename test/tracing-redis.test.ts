import { describe, expect, it } from 'vitest'
import { customGateway } from './helpers'
import { bridgeStats, limitedGateway, PUBLIC_PATH, resetBridgeStats, testRedis, uniqueIp } from './ratelimit-support'
import { bearer } from './tokens'
import { newTraceparent, parseTp, receiverEndpoint, waitForSpans } from './tracing-helpers'

describe('the rate limiter’s Redis REST call continues the trace', () => {
  it('carries the same trace id and a new parent id', async () => {
    const gw = limitedGateway({ policies: [{ name: 'traced', quota: 100, window: 60 }] })
    await resetBridgeStats()
    const incoming = newTraceparent('01')
    const res = await gw.fetch(PUBLIC_PATH, {
      headers: { traceparent: incoming.header, 'cf-connecting-ip': uniqueIp() },
    })
    expect(res.status).toBe(200)
    const stats = await bridgeStats()
    // EVALSHA, and EVAL once after NOSCRIPT when the script is new to this Redis.
    expect(stats.requests).toBeGreaterThanOrEqual(1)
    const sent = parseTp(stats.lastTraceparent)
    expect(sent.traceId).toBe(incoming.traceId)
    expect(sent.parentId).not.toBe(incoming.parentId)
  })

  it('each call gets its own parent id', async () => {
    const gw = limitedGateway({ policies: [{ name: 'traced', quota: 100, window: 60 }] })
    const incoming = newTraceparent('01')
    const ip = uniqueIp()
    const parents = new Set<string>()
    for (let i = 0; i < 3; i++) {
      await gw.fetch(PUBLIC_PATH, { headers: { traceparent: incoming.header, 'cf-connecting-ip': ip } })
      parents.add(parseTp((await bridgeStats()).lastTraceparent).parentId)
    }
    expect(parents.size).toBe(3)
  })
})

describe('Redis calls are client spans of the request that made them', () => {
  const exported = { otlp: { endpoint: receiverEndpoint() } }
  const redisSpansOf = async (traceId: string, count: number) => {
    const spans = await waitForSpans(traceId, (s) => s.filter((x) => x.name === 'redis').length >= count && s.some((x) => x.kind === 'SERVER'))
    const server = spans.find((x) => x.service === 'switchyard-gateway' && x.kind === 'SERVER')!
    return { server, redis: spans.filter((x) => x.name === 'redis') }
  }

  it('the rate limiter’s call: a child of the request’s server span', async () => {
    const redis = testRedis()
    const rateLimit = {
      policies: [{ name: 'traced', quota: 100, window: 60 }],
      store: { kind: 'upstash' as const, url: redis.url, token: redis.token },
    }
    const gw = customGateway({ rateLimit, caching: { coalesce: false }, tracing: exported })
    const incoming = newTraceparent('01')
    const res = await gw.fetch(PUBLIC_PATH, { headers: { traceparent: incoming.header, 'cf-connecting-ip': uniqueIp() } })
    expect(res.status).toBe(200)
    const { server, redis: calls } = await redisSpansOf(incoming.traceId, 1)
    for (const call of calls) expect(call).toMatchObject({ kind: 'CLIENT', parentSpanId: server.spanId })
  })

  it('the idempotency store’s calls: claim and store, each a child of the request’s server span', async () => {
    const redis = testRedis()
    const gw = customGateway({
      idempotency: { store: { kind: 'upstash', url: redis.url, token: redis.token, timeoutMs: 5000 } },
      caching: { coalesce: false },
      tracing: exported,
    })
    const incoming = newTraceparent('01')
    const res = await gw.fetch('/api/v2/orders', {
      method: 'POST',
      headers: {
        traceparent: incoming.header,
        'content-type': 'application/json',
        'idempotency-key': `"trace-${crypto.randomUUID()}"`,
        ...(await bearer('grace')),
      },
      body: JSON.stringify({ user_id: 2, currency: 'EUR', items: [{ sku: 'SKU-YELLOW-SOCKS', quantity: 1 }] }),
    })
    expect(res.status).toBe(201)
    const { server, redis: calls } = await redisSpansOf(incoming.traceId, 2)
    for (const call of calls) expect(call).toMatchObject({ kind: 'CLIENT', parentSpanId: server.spanId })
  })
})
