import { describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway, SERVICES } from './helpers'

describe('gateway health probes', () => {
  it('live and startup answer 200', async () => {
    expect((await gateway('/health/live')).status).toBe(200)
    const startup = await gateway('/health/startup')
    expect(startup.status).toBe(200)
    expect(await startup.json()).toMatchObject({ status: 'ok', config: 'valid' })
  })

  it('ready lists all five origins as ok, checked through their bindings', async () => {
    const res = await gateway('/health/ready')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { dependencies: Record<string, { status: string; http_status: number }> }
    expect(Object.keys(body.dependencies).sort()).toEqual([...SERVICES].sort())
    for (const dep of Object.values(body.dependencies)) expect(dep).toMatchObject({ status: 'ok', http_status: 200 })
  })

  it('ready is 503 naming a required dependency that is down', async () => {
    const gw = customGateway({
      services: { users: { bindings: ['USERS'] }, payments: { urls: ['http://127.0.0.1:9'] } },
    })
    const body = await expectProblem(await gw.fetch('/health/ready'), 503)
    expect(body.failing).toEqual(['payments'])
    expect(body.detail).toContain('payments')
  })

  it('an optional dependency that is down does not fail readiness', async () => {
    const gw = customGateway({
      services: { users: { bindings: ['USERS'] }, payments: { urls: ['http://127.0.0.1:9'], required: false } },
    })
    const res = await gw.fetch('/health/ready')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { dependencies: Record<string, { status: string }> }
    expect(body.dependencies.payments!.status).toBe('down')
  })
})
