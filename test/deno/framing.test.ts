/**
 * Request body framing under a real `deno serve` gateway: a body the client sent with
 * `Content-Length` reaches the origin with the same `Content-Length` and no
 * `Transfer-Encoding` — straight through, after the contract and idempotency layers
 * read it, and on a retried attempt — and a chunked body arrives whole.
 *
 * The auth and orders origins sit behind a plain node:http front that reads only
 * `Content-Length` bytes (as strict origins do), records the framing it saw, and
 * hands the bytes to the real origin Worker.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { DEV_IDENTITY_SECRET, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
import { loginAdmin } from './support'

interface Seen {
  method: string
  path: string
  contentLength: string | undefined
  transferEncoding: string | undefined
  body: string
  idempotencyKey: string | undefined
}

/** A front that reads a body by its `Content-Length` only (a chunked one to its end, to record it). */
async function framingFront(target: string, failFirstAttemptOf: Set<string>) {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const contentLength = req.headers['content-length']
    const transferEncoding = req.headers['transfer-encoding']
    const chunks: Buffer[] = []
    let received = 0
    let done = false
    const finish = async () => {
      if (done) return
      done = true
      const bytes = Buffer.concat(chunks)
      const key = req.headers['idempotency-key'] as string | undefined
      seen.push({ method: req.method!, path: req.url!, contentLength, transferEncoding, body: bytes.toString(), idempotencyKey: key })
      if (key && failFirstAttemptOf.delete(key)) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('try again')
        return
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)),
      ) as Record<string, string>
      const answer = await fetch(target + req.url, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : bytes,
      })
      const out = Buffer.from(await answer.arrayBuffer())
      const relayed: Record<string, string> = {}
      answer.headers.forEach((value, name) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) relayed[name] = value
      })
      res.writeHead(answer.status, relayed).end(out)
    }
    const want = contentLength === undefined ? undefined : Number(contentLength)
    if (want === 0 || (want === undefined && transferEncoding === undefined)) return void finish()
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (want !== undefined && received >= want) void finish()
    })
    req.on('end', () => void finish())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

let origins: { urls: Record<string, string>; dispose: () => Promise<void> }
let gw: { base: string; stop: () => void }
let authFront: Awaited<ReturnType<typeof framingFront>>
let ordersFront: Awaited<ReturnType<typeof framingFront>>
const failFirstAttemptOf = new Set<string>()
let admin: Record<string, string>

beforeAll(async () => {
  const secret = DEV_IDENTITY_SECRET as string
  origins = await startOriginServers({ vars: { IDENTITY_SECRET: secret } })
  authFront = await framingFront(origins.urls.auth!, new Set())
  ordersFront = await framingFront(origins.urls.orders!, failFirstAttemptOf)
  gw = await startDenoGateway({
    urls: { ...origins.urls, auth: authFront.url, orders: ordersFront.url },
    port: await freePort(),
    // Not rate limited: this sends bursts from one address.
    env: { SWITCHYARD_IDENTITY_SECRET: secret, SWITCHYARD_RATE_LIMIT: 'off' },
  })
  admin = { authorization: `Bearer ${await loginAdmin(gw.base)}` }
})

afterAll(async () => {
  gw?.stop()
  await authFront?.close()
  await ordersFront?.close()
  await origins?.dispose()
})

beforeEach(() => {
  authFront.seen.length = 0
  ordersFront.seen.length = 0
})

/** Login bodies of different lengths (JSON whitespace), all valid. */
const LOGIN = (i: number) => `{"email":"ada@example.com",${' '.repeat(i)}"password":"ada-dev-password"}`
/**
 * A POST with `Content-Length` whose body follows its headers in later packets, as a
 * client streaming from a socket sends it: the case Deno's fetch framed as chunked
 * when it forwarded the incoming body's stream (the length was known only once the
 * body had arrived whole).
 */
function post(path: string, body: string, extra: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(gw.base + path)
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      },
    )
    req.on('error', reject)
    req.flushHeaders()
    req.write(body.slice(0, 10))
    setTimeout(() => req.end(body.slice(10)), 5)
  })
}
const login = (i: number) => post('/api/v2/auth/login', LOGIN(i))

function expectFramedByLength(seen: Seen[], bodies: string[]) {
  expect(seen).toHaveLength(bodies.length)
  for (const s of seen) {
    expect(s.transferEncoding).toBeUndefined()
    expect(s.contentLength).toBe(String(Buffer.byteLength(s.body)))
  }
  expect(seen.map((s) => s.body).sort()).toEqual([...bodies].sort())
}

describe('bodies sent with Content-Length (deno serve)', () => {
  it('50 logins one after another reach the origin with Content-Length and the whole body', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 50; i++) statuses.push(await login(i))
    expect(statuses).toEqual(Array(50).fill(200))
    expectFramedByLength(authFront.seen, Array.from({ length: 50 }, (_, i) => LOGIN(i)))
  })

  it('50 refreshes at once reach the origin with Content-Length and the whole body', async () => {
    // Unknown refresh tokens: the auth origin answers 400 (invalid_grant) quickly, so 50 at once stay within its timeouts.
    const REFRESH = (i: number) => `{"refresh_token":${' '.repeat(i)}"${String(i).padStart(3, '0')}${'x'.repeat(40)}"}`
    const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/api/v2/auth/refresh', REFRESH(i))))
    expect(statuses).toEqual(Array(50).fill(400))
    expectFramedByLength(authFront.seen, Array.from({ length: 50 }, (_, i) => REFRESH(i)))
  })

  it('keyed orders, read by the contract and idempotency layers and retried after a 503, keep their Content-Length', async () => {
    const bodies: string[] = []
    const answers = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const key = `"framing-${Date.now()}-${i}"`
        failFirstAttemptOf.add(key)
        const body = JSON.stringify({ user_id: 1, currency: 'EUR', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] })
        bodies.push(body, body)
        return post('/api/v2/orders', body, { ...admin, 'idempotency-key': key, prefer: 'respond-async' })
      }),
    )
    expect(answers).toEqual([202, 202, 202])
    // Each order was sent twice: the refused first attempt and the retry, both framed by length.
    expectFramedByLength(ordersFront.seen, bodies)
    expect(failFirstAttemptOf.size).toBe(0)
  })
})

describe('a chunked body (deno serve)', () => {
  // The body limit reads a chunked body to count it (hono/body-limit), so it reaches
  // forwarding as bytes; Deno's fetch then sends those with their length. Whole either way.
  it('reaches the origin whole, by its exact length', async () => {
    const body = LOGIN(3)
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${gw.base}/api/v2/auth/login`)
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode!))
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 10))
      req.end(body.slice(10))
    })
    expect(status).toBe(200)
    expectFramedByLength(authFront.seen, [body])
  })
})
