/**
 * WebSocket pass-through where the runtime's fetch cannot upgrade (Deno). On Workers a
 * service-binding fetch with `Upgrade: websocket` answers 101 with the origin's socket
 * in `response.webSocket`, and handing that Response back relays the socket: nothing
 * here runs. On Deno the URL transport's fetch is wrapped by {@link upgradingFetch}: it
 * opens a WebSocket to the origin instead (with the request's headers: identity,
 * trace, request id) and returns a stand-in Response carrying it, so the call still
 * goes through the service's Upstream (breaker, retries before the handshake,
 * timeouts, tracing). {@link relayOriginSocket} then upgrades the client's request and
 * relays messages both ways; a close on either side closes the other with its code.
 */

/** Messages and the close of the origin socket, kept from the moment it opens until the relay takes over. */
class OriginSocket {
  private queue: MessageEvent[] = []
  private closed: CloseEvent | undefined
  private relay: { message: (e: MessageEvent) => void; close: (e: CloseEvent) => void } | undefined

  constructor(readonly socket: WebSocket) {
    socket.addEventListener('message', (e) => (this.relay ? this.relay.message(e) : this.queue.push(e)))
    socket.addEventListener('close', (e) => (this.relay ? this.relay.close(e) : (this.closed = e)))
  }

  takeOver(relay: { message: (e: MessageEvent) => void; close: (e: CloseEvent) => void }): void {
    this.relay = relay
    this.queue.forEach(relay.message)
    this.queue = []
    if (this.closed) relay.close(this.closed)
  }
}

const SOCKETS = new WeakMap<Response, OriginSocket>()

const isUpgrade = (req: Request) => req.headers.get('upgrade')?.toLowerCase() === 'websocket'

/** Handshake headers the WebSocket client makes itself. */
const HANDSHAKE = ['upgrade', 'connection', 'host', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']

/** A fetch that answers `Upgrade: websocket` requests by opening a WebSocket to the URL (Deno). */
export function upgradingFetch(fetchImpl: typeof fetch = fetch): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    // Only an upgrade needs a Request of its own here; anything else goes on as it came.
    const req = input instanceof Request && init === undefined ? input : new Request(input, init)
    if (!isUpgrade(req)) return fetchImpl(req)
    const url = new URL(req.url)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const headers = new Headers(req.headers)
    HANDSHAKE.forEach((name) => headers.delete(name))
    const protocols = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).filter(Boolean)
    // Deno's WebSocket takes handshake headers (a non-standard option).
    const socket = new (WebSocket as unknown as new (url: URL, options: unknown) => WebSocket)(url, { headers, protocols })
    const origin = new OriginSocket(socket)
    // The signal bounds the handshake only: once the socket is open, it lives on its own
    // (Deno aborts a request's signal when its 101 answer has gone out).
    const onAbort = () => socket.close()
    req.signal.addEventListener('abort', onAbort, { once: true })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve(), { once: true })
        socket.addEventListener('error', () => reject(new TypeError(`WebSocket handshake with ${url.host} failed`)), { once: true })
        req.signal.addEventListener('abort', () => reject(req.signal.reason), { once: true })
      })
    } finally {
      req.signal.removeEventListener('abort', onAbort)
    }
    const response = new Response(null, { status: 200 })
    SOCKETS.set(response, origin)
    return response
  }) as typeof fetch
}

/**
 * The WebSocket API lets a script close with 1000 or 3000-4999 only; other codes (1001,
 * 1003, 1011, none given, abnormal) are relayed as 1000 with their reason.
 */
const sendable = (code: number) => (code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000)

/**
 * The client's side of a socket opened by {@link upgradingFetch}: upgrades `req` (Deno)
 * and relays. Undefined when `response` carries no such socket.
 */
export function relayOriginSocket(req: Request, response: Response): Response | undefined {
  const origin = SOCKETS.get(response)
  if (!origin) return undefined
  const deno = (globalThis as { Deno?: { upgradeWebSocket(r: Request): { socket: WebSocket; response: Response } } }).Deno
  if (!deno) {
    origin.socket.close(1011, 'no WebSocket upgrade in this runtime')
    return undefined
  }
  const { socket: client, response: upgrade } = deno.upgradeWebSocket(req)
  client.addEventListener('open', () =>
    origin.takeOver({
      message: (e) => client.send(e.data),
      close: (e) => client.close(sendable(e.code), e.reason),
    }),
  )
  client.addEventListener('message', (e) => origin.socket.send(e.data))
  client.addEventListener('close', (e) => origin.socket.close(sendable(e.code), e.reason))
  return upgrade
}
