import type { Caller } from './client-key'
import type { PolicyConfig, RateLimitConfig } from './config'

/** Where a request goes, as far as scoping is concerned (from the route table). */
export interface RouteScope {
  /** The services the route calls: one, or every part's of a composite. */
  services?: readonly string[]
  group?: string
}

/** One policy as it applies to one request: the caller's tier resolved, the partition named. */
export interface AppliedPolicy {
  name: string
  quota: number
  /** Seconds. */
  window: number
  failure: 'open' | 'closed'
  /** Store key of the partition this request counts in. */
  key: string
}

const DEFAULT_PREFIX = 'sy:rl'

/** The route's services a policy counts it against; undefined when it does not apply. */
function matches(policy: PolicyConfig, scope: RouteScope): string[] | undefined {
  const { services, groups } = policy.match
  const routeServices = [...(scope.services ?? [])]
  const targets = services ? routeServices.filter((s) => services.includes(s)) : routeServices
  if (services && targets.length === 0) return undefined
  if (groups && !(scope.group && groups.includes(scope.group))) return undefined
  if (policy.scope === 'service' && targets.length === 0) return undefined
  if (policy.scope === 'group' && !scope.group) return undefined
  return targets
}

/**
 * The policies a request is subject to, in config order. Every key of one caller
 * carries the same hash tag `{<caller>}`, so one script may touch them all on a
 * Redis Cluster too.
 */
export function applicablePolicies(config: RateLimitConfig, caller: Caller, scope: RouteScope): AppliedPolicy[] {
  const prefix = config.store.kind === 'upstash' ? config.store.prefix : DEFAULT_PREFIX
  const applied: AppliedPolicy[] = []
  for (const policy of config.policies) {
    const services = matches(policy, scope)
    if (!services) continue
    const override = policy.tiers[caller.tier] ?? {}
    const base = `${prefix}:{${caller.id}}:${policy.name}`
    // A service-scoped policy counts a composite once in each service its parts call.
    const keys =
      policy.scope === 'service' ? services.map((s) => `${base}:s:${s}`) : [policy.scope === 'group' ? `${base}:g:${scope.group}` : base]
    for (const key of keys) {
      applied.push({
        name: policy.name,
        quota: override.quota ?? policy.quota,
        window: override.window ?? policy.window,
        failure: policy.failure,
        key,
      })
    }
  }
  return applied
}

/** Every tier some policy names, plus the defaults: other claim values count as `default`. */
export function knownTiers(config: RateLimitConfig): Set<string> {
  const tiers = new Set<string>([config.tier.default])
  if (config.tier.anonymous) tiers.add(config.tier.anonymous)
  for (const policy of config.policies) for (const tier of Object.keys(policy.tiers)) tiers.add(tier)
  return tiers
}
