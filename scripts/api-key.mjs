// `node scripts/api-key.mjs [consumer-id]`: makes an API key for a gateway whose keys are
// declared in SWITCHYARD_API_KEYS (Deno without Redis). Prints the key — give it to the
// client, it is not stored anywhere — and the entry to put in the consumer's `keys`.
import { hashSecret, newKey } from '../src/apikeys/key.ts'

const { key, keyId, secret } = newKey()
console.log(`key:   ${key}`)
console.log(`entry: ${JSON.stringify({ id: keyId, sha256: await hashSecret(secret) })}${process.argv[2] ? `   (in the keys of consumer ${process.argv[2]})` : ''}`)
