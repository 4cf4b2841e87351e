import type { IdGenerator } from '@opentelemetry/sdk-trace'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes))
  // All zeros is the one invalid id (2^-64 at worst, but cheap to rule out).
  if (buf.every((b) => b === 0)) buf[bytes - 1] = 1
  let hex = ''
  for (const b of buf) hex += HEX[b]
  return hex
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
