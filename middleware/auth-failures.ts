import type { Context, MiddlewareHandler } from 'hono'
import { endpointOf } from '../src/endpoint/lookup'
import { clientPath } from '../src/problem'
import { readBody } from '../src/proxy/body'
import type { FailuresConfig, RateLimitConfig } from '../src/ratelimit/config'
import { accountFromBody, failurePartitions, isFailure, type FailurePartitions, type FailureRoute } from '../src/ratelimit/failures'
import { quotaExceeded, rateLimitHeader, rateLimitPolicyHeader, toSeconds } from '../src/ratelimit/headers'
import type { Limiter } from '../src/ratelimit/limiter'
import type { AppliedPolicy } from '../src/ratelimit/policies'
import { storeCallIn } from '../src/tracing/within'
import type { GatewayEnv } from '../src/types'
import { ProblemError } from '../wire/problem'

export interface AuthFailuresOptions {
  /** The validated `rateLimit` section (store prefix, IPv6 prefix) and its `failures`. */
  config: RateLimitConfig
  failures: FailuresConfig
  /** The limiter whose store counts the failures (one store, one batcher). */
  limiter: Limiter
  /** The client address as the platform saw it. */
  clientIp: (c: Context<GatewayEnv>) => string | undefined
}

/** Addresses whose failure partition is remembered at most (a flood of addresses only rebuilds). */
const MAX_ADDRESSES = 1024

/**
 * Limits failed authentication (src/ratelimit/failures.ts). Runs before auth:
 * - an address (or, on a login route, an account) this isolate knows is past its failure
 *   limit gets 429 at once — the credential is never verified, the origin never called;
 * - on a login or refresh route (`rateLimit.failures` on its table entry, so
 *   `endpointOf(c).failures`) the failure
 *   partitions are checked by the rate limiter, in the same store call as its policies,
 *   so the check is exact across instances;
 * - after the answer, a failure (any 401; a login's or refresh's 400) is counted against
 *   the address and the account, before the answer leaves: the next attempt sees it. A
 *   successful login empties its account's count (only the password's holder can do
 *   that); the address's count is never reset, or a valid login would launder guesses.
 *
 * @example app.use('/api/*', authFailures({ config, failures: config.failures, limiter, clientIp }))
 */
export function authFailures(options: AuthFailuresOptions): MiddlewareHandler<GatewayEnv> {
  const { config, failures, limiter, clientIp } = options
  const routeOf = (c: Context<GatewayEnv>): FailureRoute | undefined => endpointOf(c)?.failures
  // An address's partition is the same on every request from it: built once (bounded).
  const byAddress = new Map<string | undefined, FailurePartitions>()
  const partitionsOf = (ip: string | undefined, account: string | undefined): FailurePartitions => {
    if (account !== undefined) return failurePartitions(config, failures, ip, account)
    let partitions = byAddress.get(ip)
    if (!partitions) {
      if (byAddress.size >= MAX_ADDRESSES) byAddress.clear()
      byAddress.set(ip, (partitions = failurePartitions(config, failures, ip)))
    }
    return partitions
  }

  return async (c, next) => {
    const route = routeOf(c)
    // The body is read within the body limit and put back for the origin; a body that
    // names no account (not JSON, no such field) is counted against the address only.
    const account = route?.account ? await accountFromBody(await readBody(c), route.account) : undefined
    const partitions = partitionsOf(clientIp(c), account)
    const checked = partitions.account ? [partitions.address, partitions.account] : [partitions.address]

    const blocked = checked.filter((p) => limiter.blocked(p.key) > 0)
    if (blocked.length > 0) return tooManyFailures(c, limiter, blocked)
    if (route) c.set('failureChecks', checked)

    await next()

    const status = c.res.status
    const logger = c.get('logger')
    try {
      if (isFailure(status, route !== undefined)) {
        // A refused token counts against the address only; a failed login against its account too.
        // In the request's trace: a Redis-backed store's call is its client span.
        const full = await storeCallIn(limiter.store, c.get('trace'), () => limiter.record(route ? checked : [partitions.address]))
        if (full.length > 0) logger?.log('warn', 'failed authentication limit reached', { limits: full, status })
      } else if (partitions.account && status >= 200 && status < 300) {
        const { key } = partitions.account
        await storeCallIn(limiter.store, c.get('trace'), () => limiter.reset([key]))
      }
    } catch (err) {
      // The answer stands; what could not be counted is lost, as a fail-open decision is.
      logger?.log('warn', 'failed authentication not recorded', { error: err instanceof Error ? err.message : String(err) })
    }
  }
}

/** 429 for partitions known full: the draft's headers, `Retry-After` the longest wait. */
function tooManyFailures(c: Context<GatewayEnv>, limiter: Limiter, blocked: AppliedPolicy[]): Response {
  const waits = blocked.map((p) => limiter.blocked(p.key))
  const retryAfter = Math.max(1, toSeconds(Math.max(...waits)))
  const violated = blocked.map((p) => p.name)
  c.set('rateLimit', { outcome: 'denied', policies: violated, violated })
  return ProblemError.of(quotaExceeded(violated, retryAfter), {
    'RateLimit-Policy': rateLimitPolicyHeader(blocked),
    RateLimit: rateLimitHeader(blocked.map((p, i) => ({ name: p.name, remaining: 0, resetSeconds: toSeconds(waits[i]!) }))),
    'Retry-After': String(retryAfter),
  }).toResponse(clientPath(c))
}
