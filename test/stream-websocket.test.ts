import { describe, expect, it } from 'vitest'
import { expectProblem, gateway } from './helpers'
import { socketInbox } from './stream-support'
import { bearer } from './tokens'

const LIVE = '/api/v2/inventory/SKU-RED-MUG/live'

async function connect(headers: Record<string, string>) {
  const res = await gateway(LIVE, { headers: { upgrade: 'websocket', ...headers } })
  expect(res.status).toBe(101)
  const ws = res.webSocket!
  const inbox = socketInbox(ws)
  ws.accept()
  return { ws, inbox, res }
}

describe('WebSocket through the gateway', () => {
  it('checks auth at the handshake: no token, no socket', async () => {
    const res = await gateway(LIVE, { headers: { upgrade: 'websocket' } })
    expect(res.webSocket).toBeNull()
    await expectProblem(res, 401)
  })

  it('relays both ways, and a close from the client is answered with its code', async () => {
    const { ws, inbox } = await connect(await bearer('ada'))
    expect(JSON.parse(await inbox.next())).toMatchObject({ type: 'stock', sku: 'SKU-RED-MUG' })
    ws.send(JSON.stringify({ type: 'get', id: 'q-1' }))
    expect(JSON.parse(await inbox.next())).toMatchObject({ type: 'stock', id: 'q-1', sku: 'SKU-RED-MUG' })
    ws.send(JSON.stringify({ type: 'get', id: 'q-2' }))
    expect(JSON.parse(await inbox.next())).toMatchObject({ id: 'q-2' })
    ws.close(1000, 'done')
    const closed = await inbox.closed()
    expect(closed.code).toBe(1000)
  })

  it('relays a close from the origin: a message it does not understand closes with 4400', async () => {
    const { ws, inbox } = await connect(await bearer('ada'))
    await inbox.next()
    ws.send('not json')
    const closed = await inbox.closed()
    expect(closed.code).toBe(4400)
    expect(closed.reason).toContain('expected')
  })

  it('a plain GET of the socket route is the origin 426, not an upgrade', async () => {
    const res = await gateway(LIVE, await bearer('ada').then((h) => ({ headers: h })))
    await expectProblem(res, 426)
  })
})
