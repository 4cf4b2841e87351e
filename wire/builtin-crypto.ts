/**
 * Node's crypto module where the runtime offers it without an import (Node, Deno:
 * `process.getBuiltinModule`), else null. Its hashes and HMACs are synchronous: Web
 * Crypto's are a promise each, and in Node a thread hop. Same algorithms, same bytes:
 * callers fall back to Web Crypto where this is null.
 *
 * Null on Cloudflare Workers although nodejs_compat has the module: there its hashes
 * are a JavaScript layer (a Transform stream and Buffers per call) over the native code
 * Web Crypto reaches directly. One SHA-256 of an access token cost a request 31 µs of
 * workerd CPU that way against 17 µs through `crypto.subtle.digest` (paired HTTP runs).
 */
export interface BuiltinCrypto {
  createHash(alg: 'sha256'): { update(data: string): { digest(encoding: 'latin1'): string } }
  createHmac(alg: 'sha256', key: string): { update(data: string): { digest(encoding: 'base64url'): string } }
  /** The one-shot digest (Node ≥ 21.7): no Hash object per call; absent elsewhere. */
  hash?(alg: 'sha256', data: string, encoding: 'latin1'): string
}

// Looked up on first use, not at start-up: loading node:crypto costs a cold isolate.
let builtin: BuiltinCrypto | null | undefined

export function builtinCrypto(): BuiltinCrypto | null {
  if (builtin !== undefined) return builtin
  try {
    if (onWorkers()) return (builtin = null)
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    builtin = (proc?.getBuiltinModule?.('node:crypto') as BuiltinCrypto | undefined) ?? null
  } catch {
    builtin = null
  }
  return builtin
}

/** workerd sets this user agent (Cloudflare's documented way to tell the runtime). */
function onWorkers(): boolean {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'
}
