import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { DEV_IDENTITY_SECRET, replicaWorkers, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
import { loginAdmin } from './support'

/**
 * On Deno a service's instances are a URL list (`SWITCHYARD_USERS_URLS=a,b`). Here the
 * users service is two real origin Workers on their own loopback ports, and the gateway
 * runs the deployment defaults under `deno serve`.
 */
let origins: { urls: Record<string, string>; dispose: () => Promise<void> }
let gw: { base: string; stop: () => void }
let usersA: string
let usersB: string

beforeAll(async () => {
  const secret = DEV_IDENTITY_SECRET as string
  origins = await startOriginServers({ extraWorkers: replicaWorkers({ IDENTITY_SECRET: secret }), vars: { IDENTITY_SECRET: secret } })
  const { 'users-b': b, ...urls } = origins.urls
  usersA = urls.users!
  usersB = b!
  gw = await startDenoGateway({
    urls: { ...urls, users: `${usersA},${usersB}` },
    port: await freePort(),
    // Not rate limited: this sends bursts from one address (the limiter has its own run).
    env: { SWITCHYARD_IDENTITY_SECRET: secret, SWITCHYARD_RATE_LIMIT: 'off' },
  })
  asAdmin = { headers: { authorization: `Bearer ${await loginAdmin(gw.base)}` } }
})

afterAll(async () => {
  gw?.stop()
  await origins?.dispose()
})

let asAdmin: RequestInit

const calls = async (base: string) => ((await (await fetch(`${base}/__faults/stats`)).json()) as { requests: number }).requests

interface Ready {
  dependencies: { users: { ejected: string[]; instances: { id: string }[]; breaker: { state: string } } }
}

describe('resilience under deno serve, a service as a URL list', () => {
  it('balances over both URLs, and ejects the one that keeps failing while the other serves', async () => {
    const ready = (await (await fetch(`${gw.base}/health/ready`)).json()) as Ready
    expect(ready.dependencies.users.instances.map((i) => i.id)).toEqual([usersA, usersB])

    for (let i = 0; i < 20; i++) expect((await fetch(`${gw.base}/api/v2/users/1`, asAdmin)).status).toBe(200)
    expect(await calls(usersA)).toBeGreaterThan(0)
    expect(await calls(usersB)).toBeGreaterThan(0)

    await fetch(`${usersB}/__faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'status', status: 503 }),
    })
    // The defaults eject after 5 failures in a row; retries mostly hide them from clients.
    let ejected: string[] = []
    for (let i = 0; i < 60 && ejected.length === 0; i++) {
      await (await fetch(`${gw.base}/api/v2/users/1`, asAdmin)).arrayBuffer()
      ejected = ((await (await fetch(`${gw.base}/health/ready`)).json()) as Ready).dependencies.users.ejected
    }
    expect(ejected).toEqual([usersB])
    const bCalls = await calls(usersB)
    for (let i = 0; i < 10; i++) expect((await fetch(`${gw.base}/api/v2/users/1`, asAdmin)).status).toBe(200)
    expect(await calls(usersB)).toBe(bCalls)
  })
})
