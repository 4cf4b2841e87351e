import { ProblemError } from '../../wire/problem'
import type { Context } from 'hono'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'

/** A request body as the origin request takes it, with the `duplex` fetch needs for a stream. */
export interface OriginBody {
  body: ArrayBuffer | ReadableStream<Uint8Array> | undefined
  duplex?: 'half'
}

/**
 * The body of the call to an origin, framed as the client framed it (RFC 9112 §6).
 * A body without `Transfer-Encoding` (one the client sent with `Content-Length`, or one
 * an earlier layer — contract, idempotency — read and put back) goes as bytes, so fetch
 * sends it with `Content-Length` on every runtime. Deno's fetch frames a stream body by
 * what it knows of the stream's length when the call starts and ignores the
 * `Content-Length` header: the incoming body's stream, its bytes still arriving, went
 * chunked, and an origin that reads only `Content-Length` saw an empty body. The body
 * limit has checked the declared length, so this holds at most `limits.bodyBytes`.
 * A request that still says `Transfer-Encoding` goes on as a stream.
 */
export async function originBody(req: Request): Promise<OriginBody> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.body === null) return { body: undefined }
  if (req.headers.has('transfer-encoding')) return { body: req.body, duplex: 'half' }
  return { body: await readAll(req) }
}

/** The whole body; a client that stops sending mid-body gets a 400, not the origin's fault. */
export async function readAll(req: Request): Promise<ArrayBuffer> {
  try {
    return await req.arrayBuffer()
  } catch {
    throw ProblemError.of(problems.badRequest('The request body could not be read to the end.'))
  }
}

/**
 * The request body, read once (already capped by the body limit) and put back, so the
 * handler can still send it; a client that stops mid-body gets a 400.
 */
export async function readBody(c: Context<GatewayEnv>): Promise<Uint8Array> {
  const original = c.req.raw
  if (original.body === null) return new Uint8Array()
  const bytes = new Uint8Array(await readAll(original))
  const headers = new Headers(original.headers)
  headers.delete('content-length')
  c.req.raw = new Request(original.url, { method: original.method, headers, body: bytes, signal: original.signal })
  return bytes
}
