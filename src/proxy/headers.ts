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

/** Names listed in `Connection` are hop-by-hop too; invalid tokens are ignored. */
function connectionNamed(headers: Headers): string[] {
  const value = headers.get('connection')
  if (!value) return []
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => TOKEN.test(name))
}

function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-')
}

/** Copies `headers` without hop-by-hop ones (and, optionally, without internal ones). */
export function stripHopByHop(headers: Headers, { internal = false } = {}): Headers {
  const named = new Set(connectionNamed(headers))
  const out = new Headers()
  headers.forEach((value, name) => {
    if (isHopByHop(name) || named.has(name)) return
    if (internal && name.startsWith(INTERNAL_PREFIX)) return
    out.append(name, value)
  })
  return out
}

export interface ForwardingInfo {
  clientIp: string | undefined
  /** `http` or `https`, as the client reached the gateway. */
  proto: string
  host: string
  gatewayName: string
}

/**
 * Headers for the request to an origin: client headers minus hop-by-hop and any
 * client-sent internal header, plus `X-Forwarded-*`, `Forwarded` and `Via`.
 * The gateway is the edge, so client-sent forwarding headers are replaced, not
 * appended: nothing downstream should trust an address the client wrote.
 */
export function upstreamRequestHeaders(incoming: Headers, info: ForwardingInfo): Headers {
  const headers = stripHopByHop(incoming, { internal: true })
  headers.delete('forwarded')
  headers.delete('x-forwarded-for')
  headers.delete('x-forwarded-host')
  headers.delete('x-forwarded-proto')
  headers.delete('x-real-ip')
  if (info.clientIp) headers.set('x-forwarded-for', info.clientIp)
  headers.set('x-forwarded-host', info.host)
  headers.set('x-forwarded-proto', info.proto)
  headers.set('forwarded', forwardedValue(info))
  const via = incoming.get('via')
  headers.set('via', via ? `${via}, 1.1 ${info.gatewayName}` : `1.1 ${info.gatewayName}`)
  return headers
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
