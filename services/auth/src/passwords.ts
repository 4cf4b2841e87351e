/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto with a random 16-byte salt per user.
 * Stored as `pbkdf2-sha256$<iterations>$<base64url hash>` (salt in its own column), so
 * the iteration count can be raised later without breaking existing hashes.
 */
import { fromBase64url, toBase64url } from './encoding'

/** workerd's WebCrypto refuses PBKDF2 above 100 000 iterations; this is that ceiling. */
export const PBKDF2_ITERATIONS = 100_000
const HASH_BYTES = 32
const FORMAT = /^pbkdf2-sha256\$([1-9][0-9]{4,6})\$([A-Za-z0-9_-]{43})$/

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    HASH_BYTES * 8,
  )
  return new Uint8Array(bits)
}

export async function hashPassword(password: string): Promise<{ password_hash: string; salt: string }> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const hash = await derive(password, salt, PBKDF2_ITERATIONS)
  return { password_hash: `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64url(hash)}`, salt: toBase64url(salt) }
}

/** A fixed salt for unknown users: the work is the same, so timing does not tell who exists. */
const DECOY_SALT = new Uint8Array(16)

/**
 * True when `password` matches `stored`. An unknown user or an account without a
 * password costs one full derivation too and then fails; the comparison is constant-time.
 */
export async function verifyPassword(
  password: string,
  stored: { password_hash: string; salt: string } | null,
): Promise<boolean> {
  const match = stored ? FORMAT.exec(stored.password_hash) : null
  const salt = match && stored ? fromBase64url(stored.salt) : null
  const expected = match ? fromBase64url(match[2]!) : null
  const iterations = match ? Math.min(Number(match[1]), PBKDF2_ITERATIONS) : PBKDF2_ITERATIONS
  const actual = await derive(password, salt ?? DECOY_SALT, iterations)
  if (!expected || !salt || expected.byteLength !== actual.byteLength) return false
  return crypto.subtle.timingSafeEqual(actual, expected)
}
