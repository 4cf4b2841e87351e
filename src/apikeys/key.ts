/**
 * API key format: `sy_<key id>_<secret>`. The key id (16 hex) is public and finds the
 * stored record; the secret (32 random bytes, base64url) is shown once, at creation, and
 * only its SHA-256 is stored. A fast hash is enough here (unlike passwords): the secret
 * has 256 bits of entropy, so no guessing attack needs slowing down.
 */
import { digestHex, randomHex } from '../hex'

const KEY = /^sy_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

export interface ParsedKey {
  keyId: string
  secret: string
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')

export function parseKey(raw: string): ParsedKey | null {
  const match = KEY.exec(raw)
  return match ? { keyId: match[1]!, secret: match[2]! } : null
}

export function newKey(): { key: string; keyId: string; secret: string } {
  const keyId = randomHex(8)
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
  return { key: `sy_${keyId}_${secret}`, keyId, secret }
}

export async function hashSecret(secret: string): Promise<string> {
  return digestHex('SHA-256', secret)
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
