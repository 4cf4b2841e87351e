/**
 * Node's crypto module where the runtime offers it without an import (Node, Deno,
 * workerd with nodejs_compat: `process.getBuiltinModule`), else null. Its hashes and
 * HMACs are synchronous: Web Crypto's are a promise each, and in Node a thread hop.
 * Same algorithms, same bytes: callers fall back to Web Crypto where this is null.
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
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    builtin = (proc?.getBuiltinModule?.('node:crypto') as BuiltinCrypto | undefined) ?? null
  } catch {
    builtin = null
  }
  return builtin
}
