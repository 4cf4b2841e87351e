import type { IdGenerator } from '@opentelemetry/sdk-trace'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Random bytes are drawn 4 KiB at a time: one CSPRNG call per ~340 ids, not one per id. */
const POOL = new Uint8Array(4096)
let used = POOL.length

function randomHex(bytes: number): string {
  if (used + bytes > POOL.length) {
    crypto.getRandomValues(POOL)
    used = 0
  }
  let hex = ''
  let zero = true
  for (let i = used; i < used + bytes; i++) {
    hex += HEX[POOL[i]!]
    if (POOL[i] !== 0) zero = false
  }
  used += bytes
  // All zeros is the one invalid id (2^-64 at worst, but cheap to rule out).
  return zero ? `${hex.slice(0, -1)}1` : hex
}

/**
 * Trace and span ids from the platform's CSPRNG. The SDK's default uses
 * `Math.random`; a gateway that sets the Level 2 random flag and hands ids to
 * clients (`traceresponse`) wants ids nobody can predict.
 */
export class CryptoIdGenerator implements IdGenerator {
  generateTraceId(): string {
    return randomHex(16)
  }

  generateSpanId(): string {
    return randomHex(8)
  }
}
