/**
 * Live stock levels of one SKU, for clients that would otherwise poll:
 * - `GET /inventory/{sku}/feed`: Server-Sent Events, one `stock` event now and one
 *   each time the level changes (read from D1 every `FEED_POLL_MS`, default 500 ms);
 *   the stream ends after `FEED_MAX_MS` (default 10 min) and EventSource reconnects.
 * - `GET /inventory/{sku}/live`: a WebSocket. The server sends the level on open; the
 *   client sends `{"type":"get","id":…}` and gets `{"type":"stock","id":…,…}` back.
 *   Anything else closes the socket with 4400 (an application code, so that proxies
 *   speaking the WebSocket API can relay it: scripts may only send 1000 and 3000-4999). A close from the
 *   client is answered with the same code.
 * An unknown SKU is a 404 problem before any stream or upgrade.
 */
import type { Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { notFoundProblem, ProblemError } from '../../../shared/problem'
import type { OriginBindings } from '../../../shared/types'
import * as repo from '../repo'
import type { StockItem } from '../schemas'

interface FeedBindings extends OriginBindings {
  FEED_POLL_MS?: string
  FEED_MAX_MS?: string
}

const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/

const millis = (value: string | undefined, fallback: number) => {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : fallback
}

async function stockOf(c: Context<{ Bindings: FeedBindings }>): Promise<StockItem> {
  const sku = c.req.param('sku') ?? ''
  if (!SKU.test(sku)) {
    throw new ProblemError({ status: 400, type: 'validation', detail: 'sku must be 1-64 upper-case letters, digits or dashes' })
  }
  const item = await repo.getStock(c.env.DB, sku)
  if (!item) throw notFoundProblem('SKU', sku)
  return item
}

export function mountFeeds<B extends OriginBindings>(app: Hono<{ Bindings: B }>): void {
  const feedApp = app as unknown as Hono<{ Bindings: FeedBindings }>

  feedApp.get('/inventory/:sku/feed', async (c) => {
    let item = await stockOf(c)
    const pollMs = millis(c.env.FEED_POLL_MS, 500)
    const endAt = Date.now() + millis(c.env.FEED_MAX_MS, 10 * 60_000)
    c.header('Cache-Control', 'no-store')
    return streamSSE(c, async (stream) => {
      let id = 0
      let last = ''
      while (!stream.aborted && !stream.closed && Date.now() < endAt) {
        const data = JSON.stringify(item)
        if (data !== last) {
          last = data
          await stream.writeSSE({ event: 'stock', id: String(++id), data, ...(id === 1 && { retry: 2000 }) })
        }
        await stream.sleep(pollMs)
        item = (await repo.getStock(c.env.DB, item.sku)) ?? item
      }
    })
  })

  feedApp.get('/inventory/:sku/live', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ProblemError({ status: 426, type: 'upgrade-required', detail: 'This is a WebSocket endpoint.', headers: { Upgrade: 'websocket' } })
    }
    const item = await stockOf(c)
    const db = c.env.DB
    const { 0: client, 1: server } = new WebSocketPair()
    server.accept()
    server.send(JSON.stringify({ type: 'stock', ...item }))
    server.addEventListener('message', async (event) => {
      let message: { type?: unknown; id?: unknown } | undefined
      try {
        message = typeof event.data === 'string' ? JSON.parse(event.data) : undefined
      } catch {
        message = undefined
      }
      if (message?.type !== 'get') return server.close(4400, 'expected {"type":"get"}')
      const current = (await repo.getStock(db, item.sku)) ?? item
      server.send(JSON.stringify({ type: 'stock', ...(message.id !== undefined && { id: message.id }), ...current }))
    })
    // Codes a peer may not send (1005 none given, 1006 abnormal, 1015 TLS) are answered 1000.
    server.addEventListener('close', (event) => server.close([1005, 1006, 1015].includes(event.code) ? 1000 : event.code, event.reason))
    return new Response(null, { status: 101, webSocket: client })
  })
}
