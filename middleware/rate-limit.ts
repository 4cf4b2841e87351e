import type { Context, MiddlewareHandler } from 'hono'
import { callerFor, type CallerIdentity, type TierRule } from '../src/ratelimit/client-key'
import type { RateLimitConfig } from '../src/ratelimit/config'
import { limiterUnavailable, quotaExceeded, rateLimitHeader, rateLimitPolicyHeader } from '../src/ratelimit/headers'
import { createLimiter, type Limiter, type Outcome } from '../src/ratelimit/limiter'
import { knownTiers, type RouteScope } from '../src/ratelimit/policies'
import { ProblemError } from '../wire/problem'
import type { FailureSummary } from '../src/ratelimit/store-health'
import { recordDecision } from '../src/tracing/decisions'
import { storeCallIn } from '../src/tracing/within'
import { endpointOf } from '../src/endpoint/lookup'
import type { GatewayEnv } from '../src/types'
import { clientPath } from '../src/problem'
import { editResponseHeaders } from './response-headers'

export interface RateLimitOptions {
  /** The validated `rateLimit` config section. */
  config: RateLimitConfig
  /** The client address as the platform saw it (never a client-sent header). */
  clientIp: (c: Context<GatewayEnv>) => string | undefined
  /** The verified caller; defaults to the `identity` context variable set by auth. */
  identity?: (c: Context<GatewayEnv>) => CallerIdentity | undefined
  /**
   * Service and route group of the matched route (for `service` / `group` scoped
   * policies); defaults to the request's endpoint's (`endpointOf(c).rateLimit`).
   */
  scope?: (c: Context<GatewayEnv>) => RouteScope
  /** A limiter to share (tests, benchmarks); defaults to one built from `config`. */
  limiter?: Limiter
}

/**
 * Store failures, summarised: at most one line per `failureLogSeconds` with the count
 * since the last line, and one when the store answers again.
 */
function logStoreFailures(c: Context<GatewayEnv>, summary: FailureSummary): void {
  const logger = c.get('logger')
  if (!logger) return
  const { recovered, ...counts } = summary
  if (recovered) {
    logger.log('info', 'rate limit store recovered', counts)
    return
  }
  const modes = [summary.fail_open > 0 ? 'open' : '', summary.fail_closed > 0 ? 'closed' : ''].filter(Boolean)
  logger.log('warn', `rate limit store failed; failing ${modes.join(' and ')}`, counts)
}


/**
 * Rate limiting on Redis (Upstash REST): every request is decided against all of its
 * policies in one atomic store call; limited responses carry `RateLimit-Policy` and
 * `RateLimit` (draft-ietf-httpapi-ratelimit-headers-11); over quota → 429 problem+json
 * with `Retry-After`. Store down or slow → each policy's `failure` mode, never a 500,
 * logged once per interval with a count (`src/ratelimit/store-health.ts`).
 *
 * @example
 * app.use('/api/*', rateLimit({
 *   config: parseRateLimitConfig({
 *     store: { kind: 'upstash', url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN },
 *     policies: [
 *       { name: 'burst', quota: 20, window: 1, tiers: { pro: { quota: 100 } } },
 *       { name: 'sustained', quota: 600, window: 60 },
 *     ],
 *   }),
 *   clientIp: (c) => c.req.header('cf-connecting-ip'),
 * }))
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayEnv> {
  const { config, clientIp } = options
  const limiter = options.limiter ?? createLimiter(config)
  const identity = options.identity ?? ((c: Context<GatewayEnv>) => c.get('identity'))
  const scope: (c: Context<GatewayEnv>) => RouteScope = options.scope ?? ((c) => endpointOf(c)?.rateLimit ?? {})
  const tiers: TierRule = { ...config.tier, known: knownTiers(config) }

  return async (c, next) => {
    const caller = callerFor(identity(c), clientIp(c), tiers, config.ipv6PrefixBits)
    const routeScope = scope(c)
    const outcome: Outcome = await storeCallIn(limiter.store, c.get('trace'), () =>
      limiter.decide(caller, routeScope, c.get('failureChecks')),
    )
    if (outcome.kind === 'unlimited') return next()
    c.get('metrics')?.limiter(outcome.kind)

    const names = outcome.policies.map((p) => p.name)
    const policyHeader = rateLimitPolicyHeader(outcome.policies)
    c.set(
      'rateLimit',
      outcome.kind === 'denied'
        ? { outcome: outcome.kind, policies: names, violated: outcome.violated }
        : { outcome: outcome.kind, policies: names },
    )
    recordDecision(c.get('trace'), 'ratelimit', () => ({
      outcome: outcome.kind,
      policies: names,
      ...(outcome.kind === 'denied' ? { violated: outcome.violated } : {}),
      ...(outcome.kind === 'fail-open' || outcome.kind === 'fail-closed' ? { error: outcome.error } : {}),
    }))
    if (outcome.log) logStoreFailures(c, outcome.log)

    switch (outcome.kind) {
      case 'denied':
        return ProblemError.of(quotaExceeded(outcome.violated, outcome.retryAfterSeconds), {
          'RateLimit-Policy': policyHeader,
          RateLimit: rateLimitHeader(outcome.limits),
          'Retry-After': String(outcome.retryAfterSeconds),
        }).toResponse(clientPath(c))
      case 'fail-closed':
        return ProblemError.of(limiterUnavailable(outcome.closed), {
          'RateLimit-Policy': policyHeader,
          'Retry-After': String(outcome.retryAfterSeconds),
        }).toResponse(clientPath(c))
      case 'fail-open':
        await next()
        // Remaining quota is unknown: only the policy is advertised.
        editResponseHeaders(c, (headers) => headers.set('RateLimit-Policy', policyHeader))
        return
      case 'allowed': {
        await next()
        const remaining = rateLimitHeader(outcome.limits)
        editResponseHeaders(c, (headers) => {
          headers.set('RateLimit-Policy', policyHeader)
          headers.set('RateLimit', remaining)
        })
        return
      }
    }
  }
}
