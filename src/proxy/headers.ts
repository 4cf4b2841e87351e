/**
 * Header hygiene for a proxy (RFC 9110 §7.6.1): hop-by-hop headers describe one
 * connection and must not travel further, in either direction.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
])

/** Headers only the gateway may set on the way to an origin (identity, trust). */
export const INTERNAL_PREFIX = 'x-switchyard-'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Header fields for the one Request or Response built from them, by lower-case name:
 * `new Request()` and `new Response()` take `fields` as it is. A record rather than a
 * list of pairs: workerd turns a record into Headers about 3–4× faster (a list costs
 * ≈3 µs a field, through the iterator protocol). `Set-Cookie` is the one field sent
 * repeated rather than joined (RFC 9110 §5.3); values after its first are kept apart.
 */
export class HeaderFields {
  /** One value per name, on a null prototype: a field named `__proto__` stays a field. */
  private readonly fields: Record<string, string> = Object.create(null) as Record<string, string>
  private cookies: string[] | undefined

  /** Adds a value as `Headers.append` would: joined to an earlier one with `, `, or, for `Set-Cookie`, kept apart. */
  append(name: string, value: string): void {
    const earlier = this.fields[name]
    if (earlier === undefined) this.fields[name] = value
    else if (name === 'set-cookie') (this.cookies ??= []).push(value)
    else this.fields[name] = `${earlier}, ${value}`
  }

  get(name: string): string | undefined {
    return this.fields[name]
  }

  /** Replaces the value of a field that is not `Set-Cookie`. */
  set(name: string, value: string): void {
    this.fields[name] = value
  }

  /** As `init.headers`: the record, or, when `Set-Cookie` repeats, Headers holding every value. */
  init(): HeadersInit {
    if (!this.cookies) return this.fields
    const headers = new Headers(this.fields)
    for (const cookie of this.cookies) headers.append('set-cookie', cookie)
    return headers
  }
}

/** Names listed in `Connection` are hop-by-hop too; invalid tokens are ignored. */
function connectionNamed(headers: Headers): Set<string> | undefined {
  const value = headers.get('connection')
  if (!value) return undefined
  return new Set(
    value
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => TOKEN.test(name)),
  )
}

function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-')
}

export interface StripOptions {
  /** Also leave out the gateway's internal headers (`X-Switchyard-*`). */
  internal?: boolean
  /** Also leave out client-sent forwarding headers ({@link FORWARDING_HEADERS}): the gateway writes its own. */
  forwarding?: boolean
  /** Also leave out these (lower-case) names: the caller sets its own values. */
  replaced?: ReadonlySet<string>
}

/**
 * The fields of `headers` without hop-by-hop ones (and the others `options` name),
 * for the one Request or Response built from them: no intermediate Headers to copy.
 */
export function fieldsWithoutHopByHop(
  headers: Headers,
  { internal = false, forwarding = false, replaced }: StripOptions = {},
): HeaderFields {
  const named = connectionNamed(headers)
  const out = new HeaderFields()
  headers.forEach((value, name) => {
    if (isHopByHop(name) || named?.has(name)) return
    if (internal && name.startsWith(INTERNAL_PREFIX)) return
    if (forwarding && FORWARDING_HEADERS.has(name)) return
    if (replaced?.has(name)) return
    out.append(name, value)
  })
  return out
}

/** Copies `headers` without hop-by-hop ones (and, optionally, without internal ones). */
export function stripHopByHop(headers: Headers, options: Pick<StripOptions, 'internal'> = {}): Headers {
  return new Headers(fieldsWithoutHopByHop(headers, options).init())
}

export interface ForwardingInfo {
  clientIp: string | undefined
  /** `http` or `https`, as the client reached the gateway. */
  proto: string
  host: string
  gatewayName: string
}

/** Headers the gateway writes itself on the way to an origin: a client's values never pass. */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
])

/**
 * Headers for the request to an origin: client headers minus hop-by-hop and any
 * client-sent internal header, plus `X-Forwarded-*`, `Forwarded` and `Via`.
 * The gateway is the edge, so client-sent forwarding headers are replaced, not
 * appended: nothing downstream should trust an address the client wrote.
 * `replaced` names any other header the caller sets next.
 */
export function upstreamRequestFields(incoming: Headers, info: ForwardingInfo, replaced?: ReadonlySet<string>): HeaderFields {
  const fields = fieldsWithoutHopByHop(incoming, { internal: true, forwarding: true, replaced })
  if (info.clientIp) fields.append('x-forwarded-for', info.clientIp)
  fields.append('x-forwarded-host', info.host)
  fields.append('x-forwarded-proto', info.proto)
  fields.append('forwarded', forwardedValue(info))
  const via = incoming.get('via')
  fields.append('via', via ? `${via}, 1.1 ${info.gatewayName}` : `1.1 ${info.gatewayName}`)
  return fields
}

/** RFC 7239 element; IPv6 addresses are quoted and bracketed. */
function forwardedValue({ clientIp, proto, host }: ForwardingInfo): string {
  const parts: string[] = []
  if (clientIp) parts.push(`for=${clientIp.includes(':') ? `"[${clientIp}]"` : clientIp}`)
  parts.push(`proto=${proto}`, `host="${host.replace(/["\\]/g, '')}"`)
  return parts.join(';')
}

/** Headers for the response to the client: hop-by-hop and internal ones removed. */
export function downstreamResponseHeaders(upstream: Headers): Headers {
  return stripHopByHop(upstream, { internal: true })
}
