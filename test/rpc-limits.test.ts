import { Code, ConnectError } from '@connectrpc/connect'
import { describe, expect, it } from 'vitest'
import { limitedGateway, parseLimitField, uniqueIp } from './ratelimit-support'
import { inventoryClient } from './rpc-support'

describe('rate limits on RPCs, answered in the caller protocol', () => {
  it('counts /rpc calls against the policies and refuses over quota as resource_exhausted', async () => {
    const gw = limitedGateway({ policies: [{ name: 'rpc', quota: 2, window: 60, scope: 'service' }] })
    const ip = uniqueIp()
    const call = (contentType: string, body: BodyInit) =>
      gw.fetch('/rpc/switchyard.inventory.v1.InventoryService/GetStock', {
        method: 'POST',
        headers: { 'content-type': contentType, 'cf-connecting-ip': ip },
        body,
      })
    const first = await call('application/json', '{"sku":"SKU-RED-MUG"}')
    expect(first.status).toBe(200)
    expect(parseLimitField(first.headers.get('ratelimit')).get('rpc')).toMatchObject({ r: 1 })
    expect((await call('application/json', '{"sku":"SKU-RED-MUG"}')).status).toBe(200)

    const connect = await call('application/json', '{"sku":"SKU-RED-MUG"}')
    expect(connect.status).toBe(429)
    expect(connect.headers.get('content-type')).toBe('application/json')
    expect(Number(connect.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await connect.json()) as { code: string }).code).toBe('resource_exhausted')

    const grpcWeb = await call('application/grpc-web+proto', new Uint8Array([0, 0, 0, 0, 0]))
    expect(grpcWeb.status).toBe(200)
    expect(new TextDecoder().decode(await grpcWeb.arrayBuffer())).toContain('grpc-status: 8\r\n')

    const client = inventoryClient('connect-binary', { target: (path, init) => gw.fetch(path, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'cf-connecting-ip': ip } }) })
    const err = await client.getStock({ sku: 'SKU-RED-MUG' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted)
  })
})
