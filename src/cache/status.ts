/**
 * `Cache-Status` (RFC 9211): one list member per cache on the way, the one nearest the
 * client last. The gateway adds its own member after any the origin sent.
 */
export interface CacheStatus {
  /** Served from the cache without going to the origin. */
  hit?: boolean
  /** Why the request went to the origin. */
  fwd?: 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale'
  /** Status the origin answered the forwarded request with. */
  fwdStatus?: number
  /** Seconds of freshness left; negative when a stale answer is served. */
  ttl?: number
  /** The origin's answer was stored. */
  stored?: boolean
  /** Why it was not stored, or other detail. */
  detail?: string
}

const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/

export function formatCacheStatus(cache: string, status: CacheStatus): string {
  const params: string[] = [cache]
  if (status.hit) params.push('hit')
  if (status.fwd) params.push(`fwd=${status.fwd}`)
  if (status.fwdStatus !== undefined) params.push(`fwd-status=${status.fwdStatus}`)
  if (status.ttl !== undefined) params.push(`ttl=${Math.trunc(status.ttl)}`)
  if (status.stored) params.push('stored')
  if (status.detail) params.push(`detail=${TOKEN.test(status.detail) ? status.detail : JSON.stringify(status.detail)}`)
  return params.join('; ')
}

/** A copy of `res` with our member appended to `Cache-Status`. */
export function withCacheStatus(res: Response, cache: string, status: CacheStatus): Response {
  const out = new Response(res.body, res)
  const existing = out.headers.get('cache-status')
  const member = formatCacheStatus(cache, status)
  out.headers.set('cache-status', existing ? `${existing}, ${member}` : member)
  return out
}
