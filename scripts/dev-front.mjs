// The public port of `npm run dev`: a byte-for-byte TCP relay to `wrangler dev` on an
// internal port, so HTTP (streaming, WebSocket upgrades, hop-by-hop headers) is exactly
// what wrangler serves. Until the gateway is ready it answers every connection with a
// 503 problem+json and `Retry-After` instead of holding it open.
import { connect, createServer } from 'node:net'

const STARTING = JSON.stringify({
  type: 'https://switchyard.example/problems/starting',
  title: 'Starting',
  status: 503,
  detail: 'The dev gateway is starting; try again in a moment.',
})
const STARTING_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\n' +
  'Content-Type: application/problem+json\r\n' +
  'Retry-After: 1\r\n' +
  `Content-Length: ${Buffer.byteLength(STARTING)}\r\n` +
  'Connection: close\r\n\r\n' +
  STARTING

/** Listens on `port`; `target()` is the internal port once ready, else undefined. */
export function startFront({ port, host = '127.0.0.1', target }) {
  const server = createServer((client) => {
    const to = target()
    if (to === undefined) {
      // Read the request first, so the client is not reset before it sees the answer.
      client.once('data', () => client.end(STARTING_RESPONSE))
      client.on('error', () => client.destroy())
      return
    }
    const upstream = connect(to, '127.0.0.1')
    client.pipe(upstream).pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(port), host, () => resolve({ close: () => new Promise((done) => server.close(() => done())) }))
  })
}
