/** Lower-case hex of bytes: the one encoding the gateway's digests, keys and ids use. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

/** Hex digest of text or bytes (`SHA-256` for keys and fingerprints, `SHA-1` for Redis script ids). */
export async function digestHex(algorithm: 'SHA-1' | 'SHA-256', data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return toHex(new Uint8Array(await crypto.subtle.digest(algorithm, bytes)))
}

/** `n` random bytes as hex: ids and set members nobody else chooses. */
export const randomHex = (n: number): string => toHex(crypto.getRandomValues(new Uint8Array(n)))
