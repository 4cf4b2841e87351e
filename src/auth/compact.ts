/**
 * Strict checks on a bearer token before any cryptography: size, compact form,
 * canonical base64url, and a protected header holding only `alg`, `typ` and `kid` (and,
 * ignored, certificate thumbprints).
 * jose is lenient on purpose (it caps nothing, and decodes base64url loosely), so the
 * gateway narrows what reaches it to the one shape its issuers produce. The checks that
 * depend on the issuer (algorithm, kid) run once the issuer is known: `checkHeader`.
 */
export interface JoseHeader {
  alg: string
  kid: string
  typ?: string
}

export type CompactCheck = { ok: true; header: JoseHeader } | { ok: false; description: string }

export interface HeaderRules {
  algorithms: readonly string[]
  /** Allowed `kid` spelling (default: letters, digits, `.`, `_`, `-`, up to 64). */
  kid?: RegExp
}

export interface CompactRules extends HeaderRules {
  maxBytes: number
}

/** A token of the right shape whose issuer-dependent checks are still to come. */
export type ParsedToken =
  | { ok: true; header: Record<string, unknown>; payload: unknown }
  | { ok: false; description: string }

const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/
export const STRICT_KID = /^[A-Za-z0-9._-]{1,64}$/
const MAX_HEADER_CHARS = 512
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
// Like jose's own decoder: invalid UTF-8 is an error, a leading BOM is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Header parameters that point at keys or change processing: never honoured, so refused. */
const REFUSED = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'b64', 'zip', 'enc']
const ALLOWED = new Set(['alg', 'kid', 'typ'])
/**
 * Certificate thumbprints (RFC 7515 §4.1.7–8; Entra ID sends `x5t` beside `kid` on every
 * token): names of a key, not keys or places to fetch one. Accepted when well-formed
 * (base64url SHA-1 / SHA-256) and ignored: the key is still the one the issuer's own JWKS
 * publishes under `kid` (jose matches by `kid`, `alg` and key type only).
 */
const THUMBPRINTS: Record<string, RegExp> = { x5t: /^[A-Za-z0-9_-]{27}$/, 'x5t#S256': /^[A-Za-z0-9_-]{43}$/ }

/**
 * One encoding per value: an impossible length (4n+1) or non-zero bits after the last
 * byte (e.g. `QR` decoding like `QQ`) make another spelling of the same bytes.
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 1) return false
  if (rest === 0) return true
  const last = B64URL.indexOf(segment[segment.length - 1]!)
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

function decodeSegment(segment: string): string | null {
  try {
    const binary = atob(segment.replaceAll('-', '+').replaceAll('_', '/'))
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

const fail = (description: string) => ({ ok: false as const, description })

/** Shape checks: size, three canonical base64url segments, a small header object with only known parameters. */
export function parseCompactToken(token: string, maxBytes: number): ParsedToken {
  if (token.length > maxBytes) return fail(`The token is longer than ${maxBytes} bytes`)
  const parts = COMPACT.exec(token)
  if (!parts) return fail('The token is not a compact JWS of three base64url segments')
  const [, headerPart, payloadPart, signaturePart] = parts as unknown as [string, string, string, string]
  if (![headerPart, payloadPart, signaturePart].every(isCanonicalBase64url)) {
    return fail('The token is not canonical base64url')
  }
  if (headerPart.length > MAX_HEADER_CHARS) return fail('The token header is too large')

  const header = parseJson(decodeSegment(headerPart))
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    return fail('The token header is not a JSON object')
  }
  const fields = header as Record<string, unknown>
  const refused = REFUSED.find((name) => Object.hasOwn(fields, name))
  if (refused) return fail(`The token header parameter ${refused} is not accepted`)
  for (const [name, form] of Object.entries(THUMBPRINTS)) {
    const value = fields[name]
    if (value !== undefined && (typeof value !== 'string' || !form.test(value))) return fail(`The token ${name} is malformed`)
  }
  if (Object.keys(fields).some((name) => !ALLOWED.has(name) && !Object.hasOwn(THUMBPRINTS, name))) {
    return fail('The token header has parameters other than alg, kid, typ, x5t and x5t#S256')
  }
  // Unverified: used only to pick the issuer whose rules verify the token.
  return { ok: true, header: fields, payload: parseJson(decodeSegment(payloadPart)) }
}

function parseJson(text: string | null): unknown {
  try {
    return text === null ? null : JSON.parse(text)
  } catch {
    return null
  }
}

/** The issuer's header rules: an allowed `alg`, a well-formed `kid`, a string `typ` if any. */
export function checkHeader(fields: Record<string, unknown>, rules: HeaderRules): CompactCheck {
  const { alg, kid, typ } = fields
  if (typeof alg !== 'string' || !rules.algorithms.includes(alg)) return fail('The token algorithm is not allowed')
  if (typeof kid !== 'string' || !(rules.kid ?? STRICT_KID).test(kid)) return fail('The token kid is missing or malformed')
  if (typ !== undefined && typeof typ !== 'string') return fail('The token typ is malformed')
  return { ok: true, header: { alg, kid, ...(typ !== undefined && { typ }) } }
}

/** Both steps for one set of rules (one issuer). */
export function checkCompactToken(token: string, rules: CompactRules): CompactCheck {
  const parsed = parseCompactToken(token, rules.maxBytes)
  return parsed.ok ? checkHeader(parsed.header, rules) : parsed
}
