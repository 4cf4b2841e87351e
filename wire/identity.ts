/**
 * The wire format of the caller's identity between the gateway and an origin: the
 * gateway sets these headers after verifying the access token (and strips any a
 * client sent). Over a service binding they need no more (only the gateway can call
 * an origin that has no public URL). Over a URL anyone could send them, so there the
 * gateway also signs them: HMAC-SHA256 with a shared secret over a version tag, the
 * method, the path and query, a timestamp and the identity values.
 *
 * No framework: the gateway (workerd and Deno) and the origins share it. Signing uses
 * the runtime's node:crypto where there is one (synchronous), else Web Crypto; checking
 * is always Web Crypto's constant-time verify.
 */
import { builtinCrypto } from './builtin-crypto'

export const IDENTITY_HEADERS = {
  subject: 'x-switchyard-subject',
  /** Space-separated OAuth scopes. */
  scopes: 'x-switchyard-scopes',
  /** Space-separated roles. */
  roles: 'x-switchyard-roles',
  /** Unix seconds when the gateway signed. */
  timestamp: 'x-switchyard-identity-timestamp',
  /** `v1=<base64url HMAC-SHA256>`. */
  signature: 'x-switchyard-identity-signature',
} as const

/** How far a signature's timestamp may be from the origin's clock. */
export const MAX_SIGNATURE_SKEW_SECONDS = 60

const VERSION = 'switchyard-identity-v1'
const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
    keys.set(secret, key)
  }
  return key
}

/** Header values cannot hold a newline, so joining with one is unambiguous. */
function signingInput(method: string, url: URL, timestamp: string, headers: Headers): string {
  const get = (name: string) => headers.get(name) ?? ''
  return [
    VERSION,
    method.toUpperCase(),
    url.pathname + url.search,
    timestamp,
    get(IDENTITY_HEADERS.subject),
    get(IDENTITY_HEADERS.scopes),
    get(IDENTITY_HEADERS.roles),
  ].join('\n')
}

/**
 * HMAC-SHA256 of `input` (UTF-8) as base64url: synchronous through `node:crypto` where
 * the runtime has it (the gateway on Deno signs every call to a URL origin; Web Crypto
 * costs a promise and, in Node, a thread hop), else Web Crypto. The same bytes either way.
 */
async function hmacBase64url(secret: string, input: string): Promise<string> {
  const node = builtinCrypto()
  if (node) return node.createHmac('sha256', secret).update(input).digest('base64url')
  return toBase64url(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(input)))
}

function toBase64url(bytes: ArrayBuffer): string {
  let binary = ''
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/** Adds timestamp and signature to `headers`, which already carry the identity. */
export async function signIdentity(
  headers: Headers,
  method: string,
  url: URL,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  const timestamp = String(nowSeconds)
  const mac = await hmacBase64url(secret, signingInput(method, url, timestamp, headers))
  headers.set(IDENTITY_HEADERS.timestamp, timestamp)
  headers.set(IDENTITY_HEADERS.signature, `v1=${mac}`)
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string }

/** Checks the signature of the identity headers (constant-time, through WebCrypto). */
export async function verifyIdentitySignature(
  headers: Headers,
  method: string,
  url: URL,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<SignatureCheck> {
  const timestamp = headers.get(IDENTITY_HEADERS.timestamp) ?? ''
  const signature = /^v1=([A-Za-z0-9_-]{43})$/.exec(headers.get(IDENTITY_HEADERS.signature) ?? '')
  if (!signature) return { ok: false, reason: 'signature missing or malformed' }
  if (!/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: 'timestamp missing or malformed' }
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SIGNATURE_SKEW_SECONDS) {
    return { ok: false, reason: 'timestamp outside the accepted window' }
  }
  const valid = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret),
    fromBase64url(signature[1]!),
    encoder.encode(signingInput(method, url, timestamp, headers)),
  )
  return valid ? { ok: true } : { ok: false, reason: 'signature does not match' }
}
