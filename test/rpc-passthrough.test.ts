import { Code, ConnectError } from '@connectrpc/connect'
import { describe, expect, it } from 'vitest'
import { customGateway, gateway, originStats, resetOrigin } from './helpers'
import { inventoryClient, PROTOCOLS } from './rpc-support'
import { bearer } from './tokens'

const PROCEDURE = '/rpc/switchyard.inventory.v1.InventoryService'

function connectJson(method: string, body: unknown, headers: Record<string, string> = {}) {
  return gateway(`${PROCEDURE}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ConnectError)
  return err as ConnectError
}

describe('RPC pass-through: Connect JSON on the wire', () => {
  it('answers GetStock with the stock of the SKU', async () => {
    const res = await connectJson('GetStock', { sku: 'SKU-RED-MUG' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await res.json()) as { item: Record<string, unknown> }
    expect(body.item).toMatchObject({ sku: 'SKU-RED-MUG', name: 'Red mug' })
    expect(body.item.onHand).toBeGreaterThanOrEqual(body.item.available as number)
  })

  it('answers an unknown SKU with Connect not_found, not problem+json', async () => {
    const res = await connectJson('GetStock', { sku: 'NOPE' })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({ code: 'not_found', message: 'SKU NOPE does not exist.' })
  })

  it('answers an unknown procedure with unimplemented (404), without calling the origin', async () => {
    await resetOrigin('inventory')
    const res = await connectJson('DeleteEverything', { sku: 'SKU-RED-MUG' })
    expect(res.status).toBe(404)
    const body = (await res.json()) as { code: string; message: string }
    expect(body.code).toBe('unimplemented')
    expect(body.message).toContain('switchyard.inventory.v1.InventoryService/DeleteEverything')
    for (const path of ['/rpc/nope', '/rpc/other.v1.Service/Get']) {
      const other = await gateway(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(other.status).toBe(404)
      expect(((await other.json()) as { code: string }).code).toBe('unimplemented')
    }
    expect((await originStats('inventory')).requests).toBe(0)
  })

  it('answers a malformed request with invalid_argument from the origin', async () => {
    const res = await connectJson('GetStock', { sku: 'not a sku' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { code: string }).code).toBe('invalid_argument')
  })

  it('keeps the gateway policies: request id, trace context, no client identity headers', async () => {
    await resetOrigin('inventory')
    const res = await connectJson('GetStock', { sku: 'SKU-BLUE-CAP' }, { 'x-switchyard-subject': '2', 'x-request-id': 'rpc-test-1' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe('rpc-test-1')
    expect(res.headers.get('traceresponse')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/)
    const seen = (await originStats('inventory')).lastHeaders
    expect(seen['x-switchyard-subject']).toBeUndefined()
    expect(seen['x-request-id']).toBe('rpc-test-1')
    expect(seen.traceparent).toMatch(/^00-/)
  })
})

describe.each(PROTOCOLS)('RPC pass-through with a generated client: %s', (protocol) => {
  const client = inventoryClient(protocol)

  it('GetStock and ListStock', async () => {
    const { item } = await client.getStock({ sku: 'SKU-RED-MUG' })
    expect(item?.sku).toBe('SKU-RED-MUG')
    const list = await client.listStock({ skus: ['SKU-BLUE-CAP', 'SKU-NONE', 'SKU-RED-MUG'] })
    expect(list.items.map((i) => i.sku)).toEqual(['SKU-BLUE-CAP', 'SKU-RED-MUG'])
    expect(list.missing).toEqual(['SKU-NONE'])
  })

  it('an unknown SKU is NotFound in the protocol', async () => {
    const err = await rejection(client.getStock({ sku: 'NOPE' }))
    expect(err.code).toBe(Code.NotFound)
    expect(err.rawMessage).toBe('SKU NOPE does not exist.')
  })

  it('refuses a back-office procedure without a token (Unauthenticated) and to a customer (PermissionDenied)', async () => {
    const anonymous = await rejection(client.listReservations({ sku: 'SKU-RED-MUG' }))
    expect(anonymous.code).toBe(Code.Unauthenticated)
    const customer = await rejection(inventoryClient(protocol, { headers: await bearer('ada') }).listReservations({ sku: 'SKU-RED-MUG' }))
    expect(customer.code).toBe(Code.PermissionDenied)
    const admin = await inventoryClient(protocol, { headers: await bearer('grace') }).listReservations({ sku: 'SKU-RED-MUG' })
    expect(Array.isArray(admin.reservations)).toBe(true)
  })
})

describe('RPC errors made by the gateway, in each protocol', () => {
  it('Connect: 401 unauthenticated JSON with the bearer challenge', async () => {
    const res = await connectJson('ListReservations', { sku: 'SKU-RED-MUG' })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="switchyard"/)
    expect(((await res.json()) as { code: string }).code).toBe('unauthenticated')
  })

  it('gRPC-web: 200 with a trailer frame carrying grpc-status and grpc-message', async () => {
    const res = await gateway(`${PROCEDURE}/ListReservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', ...(await bearer('ada')) },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/grpc-web+proto')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(bytes[0]).toBe(0x80)
    const length = new DataView(bytes.buffer).getUint32(1)
    const trailer = new TextDecoder().decode(bytes.subarray(5, 5 + length))
    expect(trailer).toContain('grpc-status: 7\r\n')
    expect(trailer).toContain('grpc-message: The%20caller%20lacks%20a%20required%20role.\r\n')

    const anonymous = await gateway(`${PROCEDURE}/Nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto' },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    })
    expect(new TextDecoder().decode(await anonymous.arrayBuffer())).toContain('grpc-status: 12\r\n')
  })
})

describe('RPC from browsers (CORS)', () => {
  it('lets Connect and gRPC-web protocol headers through a preflight and exposes the status trailers', async () => {
    const gw = customGateway({ cors: { origins: ['https://shop.example'] } })
    const preflight = await gw.fetch(`${PROCEDURE}/GetStock`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,connect-protocol-version,x-grpc-web',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase()
    expect(allowed).toContain('connect-protocol-version')
    expect(allowed).toContain('x-grpc-web')
    const res = await gw.fetch(`${PROCEDURE}/GetStock`, {
      method: 'POST',
      headers: { origin: 'https://shop.example', 'content-type': 'application/json' },
      body: '{"sku":"SKU-RED-MUG"}',
    })
    expect(res.status).toBe(200)
    expect((res.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain('grpc-status')
  })
})
