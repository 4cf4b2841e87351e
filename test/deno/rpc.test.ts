import { createClient } from '@connectrpc/connect'
import { Code, ConnectError } from '@connectrpc/connect'
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InventoryService } from '../../gen/switchyard/inventory/v1/inventory_pb'
import { sseReader } from '../stream-support'
import { login, startDenoStack, type DenoStack } from './support'

let stack: DenoStack
let customer: Record<string, string>

beforeAll(async () => {
  stack = await startDenoStack()
  customer = { authorization: `Bearer ${await login(stack.gw.base, 'ada@example.com', 'ada-dev-password')}` }
})
afterAll(() => stack?.stop())

const PROCEDURE = '/rpc/switchyard.inventory.v1.InventoryService'

function client(protocol: 'connect-binary' | 'grpc-web', headers: Record<string, string> = {}) {
  const options = {
    baseUrl: `${stack.gw.base}/rpc`,
    interceptors: [(next: (req: any) => any) => (req: any) => {
      for (const [name, value] of Object.entries(headers)) req.header.set(name, value)
      return next(req)
    }],
  }
  const transport = protocol === 'grpc-web' ? createGrpcWebTransport(options) : createConnectTransport({ ...options, useBinaryFormat: true })
  return createClient(InventoryService, transport)
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  const err = await call.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ConnectError)
  return (err as ConnectError).code
}

describe('RPC through the gateway under deno serve', () => {
  it('Connect JSON: the stock of a SKU, not_found, unimplemented', async () => {
    const post = (method: string, body: string) =>
      fetch(`${stack.gw.base}${PROCEDURE}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const ok = await post('GetStock', '{"sku":"SKU-RED-MUG"}')
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { item: { sku: string } }).item.sku).toBe('SKU-RED-MUG')
    const missing = await post('GetStock', '{"sku":"NOPE"}')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ code: 'not_found' })
    const unknown = await post('Nope', '{}')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ code: 'unimplemented' })
    const anonymous = await post('ListReservations', '{"sku":"SKU-RED-MUG"}')
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' })
  })

  it.each(['connect-binary', 'grpc-web'] as const)('%s with a generated client: answers, errors, auth refusals', async (protocol) => {
    const { item } = await client(protocol).getStock({ sku: 'SKU-BLUE-CAP' })
    expect(item?.sku).toBe('SKU-BLUE-CAP')
    expect(await codeOf(client(protocol).getStock({ sku: 'NOPE' }))).toBe(Code.NotFound)
    expect(await codeOf(client(protocol).listReservations({ sku: 'SKU-RED-MUG' }))).toBe(Code.Unauthenticated)
    expect(await codeOf(client(protocol, customer).listReservations({ sku: 'SKU-RED-MUG' }))).toBe(Code.PermissionDenied)
    const admin = await client(protocol, stack.admin).listReservations({ sku: 'SKU-RED-MUG' })
    expect(Array.isArray(admin.reservations)).toBe(true)
  })

  it('transcodes REST to Connect binary, and Connect errors to problems', async () => {
    const res = await fetch(`${stack.gw.base}/api/v2/stock/SKU-RED-MUG`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(await (await fetch(`${stack.gw.base}/api/v2/inventory/SKU-RED-MUG`)).json())
    const missing = await fetch(`${stack.gw.base}/api/v2/stock/NOPE`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(await missing.json()).toMatchObject({ rpc_code: 'not_found' })
    expect((await fetch(`${stack.gw.base}/api/v2/stock/SKU-RED-MUG/reservations`, { headers: customer })).status).toBe(403)
  })
})

describe('streams through the gateway under deno serve', () => {
  it('SSE: the second event follows a change made after the first was read', async () => {
    const res = await fetch(`${stack.gw.base}/api/v2/inventory/SKU-BLACK-HOODIE/feed`)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = sseReader(res.body!)
    const first = await events.next()
    expect(first).toMatchObject({ event: 'stock', id: '1' })
    const held = await fetch(`${stack.origins.urls.inventory}/inventory/SKU-BLACK-HOODIE/reserve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"quantity":1}',
    })
    expect(held.status).toBe(201)
    const second = await events.next()
    expect(second).toMatchObject({ event: 'stock', id: '2' })
    expect(JSON.parse(second!.data).available).toBe(JSON.parse(first!.data).available - 1)
    await events.cancel()
    await fetch(`${stack.origins.urls.inventory}/inventory/SKU-BLACK-HOODIE/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reservation_id: ((await held.json()) as { reservation_id: number }).reservation_id }),
    })
  })

  it('WebSocket: refused at the handshake without a token; relayed both ways and closed from either side with one', async () => {
    const url = `${stack.gw.base.replace(/^http/, 'ws')}/api/v2/inventory/SKU-RED-MUG/live`
    const refused = new WebSocket(url)
    const refusal = await new Promise<string>((resolve) => {
      refused.addEventListener('open', () => resolve('open'))
      refused.addEventListener('error', () => resolve('error'))
    })
    expect(refusal).toBe('error')

    const open = (): Promise<{ ws: WebSocket; next: () => Promise<string>; closed: Promise<CloseEvent> }> =>
      new Promise((resolve, reject) => {
        // undici's WebSocket takes handshake headers (a non-standard option).
        const ws = new (WebSocket as unknown as new (u: string, o: unknown) => WebSocket)(url, { headers: customer })
        const queue: string[] = []
        const waiters: ((m: string) => void)[] = []
        ws.addEventListener('message', (e) => {
          const waiter = waiters.shift()
          if (waiter) waiter(String(e.data))
          else queue.push(String(e.data))
        })
        const closed = new Promise<CloseEvent>((r) => ws.addEventListener('close', r))
        ws.addEventListener('open', () =>
          resolve({ ws, closed, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) }),
        )
        ws.addEventListener('error', reject)
      })

    const a = await open()
    expect(JSON.parse(await a.next())).toMatchObject({ type: 'stock', sku: 'SKU-RED-MUG' })
    a.ws.send(JSON.stringify({ type: 'get', id: 'deno-1' }))
    expect(JSON.parse(await a.next())).toMatchObject({ type: 'stock', id: 'deno-1' })
    a.ws.close(1000, 'done')
    expect((await a.closed).code).toBe(1000)

    const b = await open()
    await b.next()
    b.ws.send('not json')
    expect((await b.closed).code).toBe(4400)
  })
})
