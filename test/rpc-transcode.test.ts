import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway, originStats, resetOrigin, setFault } from './helpers'
import { bearer } from './tokens'

const bindings = env as unknown as Record<string, Fetcher>

/** A gateway whose inventory binding records what went over the wire (the origin is real). */
function wiretappedGateway() {
  const wire: { url: string; method: string; accept: string | null; status: number; type: string | null }[] = []
  const gw = customGateway(
    {},
    {
      bindings: (name) =>
        name === 'INVENTORY'
          ? {
              fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
                const req = new Request(input, init)
                const res = await bindings.INVENTORY!.fetch(req)
                wire.push({ url: req.url, method: req.method, accept: req.headers.get('accept'), status: res.status, type: res.headers.get('content-type') })
                return res
              },
            }
          : bindings[name],
    },
  )
  return { gw, wire }
}

afterEach(() => resetOrigin('inventory'))

describe('REST routes backed by InventoryService (transcoding)', () => {
  it('answers GET /stock/{sku} with the same JSON as the REST route, from a binary Connect GET', async () => {
    const { gw, wire } = wiretappedGateway()
    const res = await gw.fetch('/api/v2/stock/SKU-RED-MUG')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const rest = await (await gateway('/api/v2/inventory/SKU-RED-MUG')).json()
    expect(await res.json()).toEqual(rest)
    expect(wire).toHaveLength(1)
    const call = new URL(wire[0]!.url)
    expect(call.pathname).toBe('/switchyard.inventory.v1.InventoryService/GetStock')
    expect(wire[0]).toMatchObject({ method: 'GET', status: 200, type: 'application/proto' })
    expect(Object.fromEntries(call.searchParams)).toMatchObject({ connect: 'v1', encoding: 'proto', base64: '1' })
    // The message is the binary encoding of { sku: "SKU-RED-MUG" }: field 1, length 11.
    const message = atob(call.searchParams.get('message')!.replace(/-/g, '+').replace(/_/g, '/'))
    expect(message).toBe('\x0a\x0bSKU-RED-MUG')
  })

  it('maps repeated fields from repeated or comma-separated parameters, and keeps zero values', async () => {
    const res = await gateway('/api/v2/stock?skus=SKU-RED-MUG,SKU-NONE&skus=SKU-BLUE-CAP')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { items: Record<string, unknown>[]; missing: string[] }
    expect(body.items.map((i) => i.sku)).toEqual(['SKU-BLUE-CAP', 'SKU-RED-MUG'])
    expect(Object.keys(body.items[0]!)).toEqual(['sku', 'name', 'on_hand', 'reserved', 'available', 'price_cents'])
    expect(body.missing).toEqual(['SKU-NONE'])
  })

  it('turns Connect errors into problems with the HTTP status of their code', async () => {
    const missing = await expectProblem(await gateway('/api/v2/stock/NOPE'), 404)
    expect(missing).toMatchObject({ type: 'https://switchyard.example/problems#not-found', rpc_code: 'not_found', detail: 'SKU NOPE does not exist.' })
    const invalid = await expectProblem(await gateway('/api/v2/stock?skus=' + 'A,'.repeat(101)), 400)
    expect(invalid).toMatchObject({ rpc_code: 'invalid_argument' })
  })

  it('refuses parameters that are not fields of the request before calling the origin', async () => {
    await resetOrigin('inventory')
    const unknown = await expectProblem(await gateway('/api/v2/stock/SKU-RED-MUG?colour=red'), 400)
    expect(unknown).toMatchObject({ parameter: 'colour' })
    const twice = await expectProblem(await gateway('/api/v2/stock/SKU-RED-MUG?sku=SKU-BLUE-CAP'), 400)
    expect(twice).toMatchObject({ parameter: 'sku' })
    expect((await originStats('inventory')).requests).toBe(0)
  })

  it('applies route policies: the reservations of a SKU are for admins', async () => {
    const anonymous = await gateway('/api/v2/stock/SKU-RED-MUG/reservations')
    await expectProblem(anonymous, 401)
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="switchyard"/)
    await expectProblem(await gateway('/api/v2/stock/SKU-RED-MUG/reservations', { headers: await bearer('ada') }), 403)
    const admin = await gateway('/api/v2/stock/SKU-RED-MUG/reservations', { headers: await bearer('grace') })
    expect(admin.status).toBe(200)
    expect(Array.isArray(((await admin.json()) as { reservations: unknown[] }).reservations)).toBe(true)
  })

  it('retries a side-effect-free RPC after a 503, as any GET', async () => {
    await setFault('inventory', { mode: 'status', status: 503, times: 1 })
    const res = await gateway('/api/v2/stock/SKU-BLUE-CAP')
    expect(res.status).toBe(200)
    expect(((await res.json()) as { sku: string }).sku).toBe('SKU-BLUE-CAP')
    expect((await originStats('inventory')).byPath['/switchyard.inventory.v1.InventoryService/GetStock']).toBe(2)
  })

  it('is versioned like every route: v1 serves it with deprecation headers', async () => {
    const res = await gateway('/api/v1/stock/SKU-RED-MUG')
    expect(res.status).toBe(200)
    expect(res.headers.get('api-version')).toBe('v1')
    expect(res.headers.get('deprecation')).toMatch(/^@\d+$/)
    expect(((await res.json()) as { sku: string }).sku).toBe('SKU-RED-MUG')
  })

  it('carries the trace to the origin', async () => {
    const res = await gateway('/api/v2/stock/SKU-RED-MUG', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })
    expect(res.status).toBe(200)
    const seen = (await originStats('inventory')).lastHeaders
    expect(seen.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/)
    expect(seen['connect-protocol-version']).toBe('1')
  })
})
