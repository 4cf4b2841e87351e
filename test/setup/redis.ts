// globalSetup (Node side) of the workerd tests: a real redis-server on a free port, the
// Upstash-compatible bridge in front of it, and a small control endpoint through which
// tests stop and restart redis-server, slow the bridge down and read its request counts.
import { createServer, type Server } from 'node:http'
import type { TestProject } from 'vitest/node'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort } from '../../scripts/deno-gateway.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { findRedisServer, startRedisServer } from '../../scripts/redis-server.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { spawnBridge } from '../../scripts/upstash-bridge.mjs'

export type RedisContext = { url: string; token: string; control: string } | { error: string }

declare module 'vitest' {
  export interface ProvidedContext {
    redis: RedisContext
  }
}

interface RedisHandle {
  restart(): Promise<void>
  stop(): Promise<void>
  running(): boolean
}

interface Bridge {
  url: string
  command(args: unknown[]): Promise<unknown>
  control(method: string, path: string): Promise<unknown>
  stop(): void
}

const TOKEN = 'switchyard-test-token'

/** Waits until the bridge reaches redis-server again (it reconnects on its own). */
async function waitUntilServing(bridge: Bridge): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (await bridge.command(['PING']).then(() => true, () => false)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the bridge did not reconnect to redis-server within 10 s')
}

function controlServer(redis: RedisHandle, bridge: Bridge): Server {
  return createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      const route = `${req.method} ${req.url}`
      if (route === 'POST /redis/stop') {
        await redis.stop()
        return reply(200, { running: redis.running() })
      }
      if (route === 'POST /redis/start') {
        if (!redis.running()) await redis.restart()
        await waitUntilServing(bridge)
        return reply(200, { running: redis.running() })
      }
      const delay = /^PUT \/bridge\/delay\/(\d+)$/.exec(route)
      if (delay) return reply(200, await bridge.control('PUT', `delay/${delay[1]}`))
      if (route === 'GET /stats') return reply(200, await bridge.control('GET', 'stats'))
      if (route === 'DELETE /stats') return reply(200, await bridge.control('DELETE', 'stats'))
      reply(404, { error: `unknown control ${route}` })
    } catch (err) {
      reply(500, { error: err instanceof Error ? err.message : String(err) })
    }
  })
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findRedisServer()) {
    // Tests that need Redis fail with this message (they never skip, in CI or not).
    project.provide('redis', {
      error: 'redis-server not found: install it (Debian: apt-get install redis-server) or set REDIS_SERVER_BIN',
    })
    return async () => {}
  }
  const redis = (await startRedisServer({ port: await freePort() })) as RedisHandle & { url: string }
  // Its own process: the test runner's event loop (busy with the Workers' output under a
  // burst) must not make the store look slow.
  const bridge = (await spawnBridge({ redisUrl: redis.url, token: TOKEN, port: await freePort() })) as Bridge
  const control = controlServer(redis, bridge)
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const address = control.address()
  const controlPort = typeof address === 'object' && address ? address.port : 0
  project.provide('redis', { url: bridge.url, token: TOKEN, control: `http://127.0.0.1:${controlPort}` })

  return async () => {
    control.closeAllConnections()
    await new Promise<void>((resolve) => control.close(() => resolve()))
    bridge.stop()
    await redis.stop()
  }
}
