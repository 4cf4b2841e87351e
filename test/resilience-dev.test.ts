import { afterEach, describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway } from './helpers'
import { bearer } from './tokens'
import { resetInstances } from './resilience-helpers'

afterEach(() => resetInstances('USERS'))

const json = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('dev fault relay (npm run dev has one port: the gateway)', () => {
  it('sets an origin fault through the gateway entry; the gateway retries past it', async () => {
    // The Worker entry, with the root .dev.vars that `wrangler dev` and the tests load.
    const set = await gateway('/__dev/faults/users', json({ mode: 'status', status: 503, times: 1 }))
    expect(set.status).toBe(200)
    expect(await set.json()).toMatchObject({ mode: 'status', status: 503, times: 1 })
    expect((await gateway('/api/v2/users/1', { headers: await bearer('grace') })).status).toBe(200)
    const stats = (await (await gateway('/__dev/faults/users/stats')).json()) as { byPath: Record<string, number> }
    expect(stats.byPath['/users/1']).toBe(2) // the injected 503, then the retry that worked
    expect(((await (await gateway('/__dev/faults/users', { method: 'DELETE' })).json()) as { mode: string }).mode).toBe('none')
  })

  it('never echoes the last caller`s credentials in the stats', async () => {
    const token = await bearer('grace')
    const res = await gateway('/api/v2/users/1', { headers: { ...token, cookie: 'session=s3cr3t' } })
    expect(res.status).toBe(200)
    const body = await (await gateway('/__dev/faults/users/stats')).text()
    const seen = (JSON.parse(body) as { lastHeaders: Record<string, string> }).lastHeaders
    // The header is shown as present (the gateway forwarded one), its value is not.
    expect(seen.authorization).toBe('[redacted]')
    expect(body).not.toContain(token.authorization!.slice('Bearer '.length))
    expect(body).not.toContain('s3cr3t')
    // Everything else is still shown, for the tests and demos that read it.
    expect(seen['x-switchyard-subject']).toBe('2')
  })

  it('rejects an unknown service or a bad fault as problem+json', async () => {
    await expectProblem(await gateway('/__dev/faults/billing'), 404)
    const bad = await gateway('/__dev/faults/users', json({ mode: 'explode' }))
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toContain('application/problem+json')
  })

  it('does not exist on a gateway built without the dev flag (as deployed)', async () => {
    await expectProblem(await customGateway().fetch('/__dev/faults/users/stats'), 404)
  })
})
