/**
 * The signing key set. It comes from the `SIGNING_KEYS` secret (`wrangler secret put
 * SIGNING_KEYS`; dev and tests use the committed dev set in `.dev.vars`) and is never
 * generated here: every isolate must sign with, and publish, the same keys.
 *
 * `{ "active": "<kid>", "keys": [<EC P-256 JWK>, …] }`. The active key signs; every key
 * is published in the JWKS, so tokens signed by an older key stay verifiable until
 * that key is removed. A key may be public only (no `d`): published, never signing.
 */
import { z } from 'zod'
import { importJWK } from 'jose'
import { ProblemError } from '../../shared/problem'

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/)
const EcJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  alg: z.literal('ES256').optional(),
  x: b64u,
  y: b64u,
  d: b64u.optional(),
})
const KeySetConfig = z
  .object({ active: z.string(), keys: z.array(EcJwk).min(1).max(10) })
  .refine((s) => new Set(s.keys.map((k) => k.kid)).size === s.keys.length, 'kids must be unique')
  .refine((s) => s.keys.some((k) => k.kid === s.active && k.d !== undefined), 'the active key needs its private part')

export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  kid: string
  alg: 'ES256'
  use: 'sig'
}

export interface SigningKeys {
  kid: string
  privateKey: CryptoKey
  /** The JWKS document: every key's public part. */
  jwks: { keys: PublicJwk[] }
}

function parseKeySet(raw: string): z.infer<typeof KeySetConfig> {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    // The parser's message may quote the input, which is a secret.
    throw new Error('SIGNING_KEYS is not valid JSON')
  }
  const result = KeySetConfig.safeParse(json)
  if (!result.success) throw new Error(`SIGNING_KEYS is invalid: ${z.prettifyError(result.error)}`)
  return result.data
}

async function load(raw: string): Promise<SigningKeys> {
  const config = parseKeySet(raw)
  const active = config.keys.find((k) => k.kid === config.active)!
  const privateKey = (await importJWK({ ...active, alg: 'ES256' }, 'ES256')) as CryptoKey
  const keys = config.keys.map(({ kid, x, y }): PublicJwk => ({ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }))
  return { kid: active.kid, privateKey, jwks: { keys } }
}

// Imported once per isolate and secret value (a new deploy brings a new isolate anyway).
let cached: { raw: string; keys: Promise<SigningKeys> } | undefined

export async function signingKeys(raw: string | undefined): Promise<SigningKeys> {
  if (!raw) throw unavailable('SIGNING_KEYS is not set')
  if (cached?.raw !== raw) cached = { raw, keys: load(raw) }
  try {
    return await cached.keys
  } catch (err) {
    cached = undefined
    throw unavailable(err instanceof Error ? err.message : String(err))
  }
}

/** A broken key configuration is an outage of this service, not the caller's fault. */
function unavailable(reason: string): ProblemError {
  console.error(JSON.stringify({ level: 'error', msg: 'signing keys unusable', reason }))
  return new ProblemError({
    status: 503,
    type: 'signing-keys-unavailable',
    title: 'Signing keys unavailable',
    detail: 'The auth service cannot sign or publish tokens right now.',
  })
}
