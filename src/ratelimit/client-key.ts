/**
 * Who a request counts against: the verified user (JWT `sub`) when there is one, else
 * the client address as the platform saw it (`CF-Connecting-IP` on Workers, the
 * connection on Deno) — never a client-written header such as `X-Forwarded-For`.
 */
export interface Caller {
  /** Partition id, e.g. `u:42` or `ip:203.0.113.7` or `ip:2001:db8:0:0::/64`. */
  id: string
  tier: string
}

export interface CallerIdentity {
  sub: string
  claims: Record<string, unknown>
}

export interface TierRule {
  claim: string
  default: string
  anonymous?: string
  /** Tiers some policy names; any other claim value counts as `default`. */
  known: ReadonlySet<string>
}

const MAX_ID_LENGTH = 256

export function callerFor(
  identity: CallerIdentity | undefined,
  clientIp: string | undefined,
  tiers: TierRule,
  ipv6PrefixBits: number,
): Caller {
  if (identity && identity.sub) {
    const claimed = identity.claims[tiers.claim]
    const tier = typeof claimed === 'string' && tiers.known.has(claimed) ? claimed : tiers.default
    // Encoded: keeps `{` `}` (the key's hash tag) and `:` out of the id.
    return { id: `u:${encodeURIComponent(identity.sub).slice(0, MAX_ID_LENGTH)}`, tier }
  }
  return { id: `ip:${addressKey(clientIp, ipv6PrefixBits)}`, tier: tiers.anonymous ?? tiers.default }
}

/** IPv4 as is; IPv6 cut to its prefix (one host holds a whole /64); unknown → `unknown`. */
export function addressKey(address: string | undefined, ipv6PrefixBits: number): string {
  if (!address) return 'unknown'
  const trimmed = address.trim()
  if (!trimmed.includes(':')) return encodeURIComponent(trimmed.slice(0, 64))
  const groups = parseIpv6(trimmed)
  if (!groups) return encodeURIComponent(trimmed.slice(0, 64))
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address it is.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.')
  }
  const masked = groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, ipv6PrefixBits - 16 * i))
    return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff
  })
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6PrefixBits}`
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
export function parseIpv6(input: string): number[] | null {
  let text = input.toLowerCase().replace(/^\[|\]$/g, '').split('%')[0]!
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4) {
    const octets = v4.slice(2).map(Number)
    if (octets.some((o) => o > 255)) return null
    text = `${v4[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const groups = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null
  return groups.map((g) => parseInt(g, 16))
}
