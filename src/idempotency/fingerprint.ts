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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}
