import { digestHex } from '../hex'

const encoder = new TextEncoder()

/**
 * What makes two requests under one key "the same request": method, path and query as
 * routed (canonical), and the body's exact bytes, hashed with SHA-256 (WebCrypto, in
 * workerd and Deno alike). Headers are left out: a retry may legitimately carry another
 * token, trace context or request id. Hex, so a record holds it as plain text.
 */
export async function requestFingerprint(method: string, target: string, body: ArrayBuffer | Uint8Array): Promise<string> {
  const head = encoder.encode(`${method.toUpperCase()} ${target}\n`)
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body)
  const input = new Uint8Array(head.length + bytes.length)
  input.set(head)
  input.set(bytes, head.length)
  return digestHex('SHA-256', input)
}
