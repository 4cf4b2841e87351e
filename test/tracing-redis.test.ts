import { describe, expect, it } from 'vitest'
import { bridgeStats, limitedGateway, PUBLIC_PATH, resetBridgeStats, uniqueIp } from './ratelimit-support'
import { newTraceparent, parseTp } from './tracing-helpers'

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
