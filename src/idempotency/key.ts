import { parseItem } from 'structured-headers'

export type KeyParse = { ok: true; key: string } | { ok: false; detail: string }

/**
 * Reads an `Idempotency-Key` field value: a Structured Field Item whose value is an
 * sf-string (draft-ietf-httpapi-idempotency-key-header §2), e.g. `"8e03978e-40d5"`.
 * Parameters are ignored, as RFC 8941 asks for unknown ones. Parsed with
 * `structured-headers` rather than by hand: quoting, escapes and the rejection of
 * repeated fields (a comma-joined value) are its job.
 */
export function parseIdempotencyKey(value: string, maxLength: number): KeyParse {
  let item: ReturnType<typeof parseItem>
  try {
    item = parseItem(value)
  } catch {
    return { ok: false, detail: 'Idempotency-Key must be one quoted string (an sf-string), e.g. Idempotency-Key: "8e03978e-40d5".' }
  }
  const [key] = item
  if (typeof key !== 'string') {
    return { ok: false, detail: 'Idempotency-Key must be a quoted string (an sf-string), e.g. Idempotency-Key: "8e03978e-40d5".' }
  }
  if (key.length === 0) return { ok: false, detail: 'Idempotency-Key must not be empty.' }
  if (key.length > maxLength) return { ok: false, detail: `Idempotency-Key is limited to ${maxLength} characters.` }
  return { ok: true, key }
}
