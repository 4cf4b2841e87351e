import type { Caller } from './client-key'
import type { PolicyConfig, RateLimitConfig } from './config'

/** Where a request goes, as far as scoping is concerned (from the route table). */
export interface RouteScope {
  service?: string
  group?: string
  /** The matched route template, for logs of requests the limiter answers itself. */
  route?: string
  /**
   * A composite endpoint: the services its parts call. It counts against the policies of
   * each of them (a `service`-scoped policy once per service), as the calls would.
   */
  parts?: { service: string; group?: string }[]
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
  /** Checked for room but not counted in (a failure partition, counted on failure only). */
  peek?: boolean
}

export const DEFAULT_PREFIX = 'sy:rl'

function matches(policy: PolicyConfig, scope: { service?: string; group?: string }): boolean {
  const { services, groups } = policy.match
  if (services && !(scope.service && services.includes(scope.service))) return false
  if (groups && !(scope.group && groups.includes(scope.group))) return false
  if (policy.scope === 'service' && !scope.service) return false
  if (policy.scope === 'group' && !scope.group) return false
  return true
}

/**
 * The policies a request is subject to, in config order. Every key of one caller
 * carries the same hash tag `{<caller>}`, so one script may touch them all on a
 * Redis Cluster too. A composite is matched against each of its parts: a policy
 * applies once per partition its parts reach (a `service`-scoped one per service).
 */
export function applicablePolicies(config: RateLimitConfig, caller: Caller, scope: RouteScope): AppliedPolicy[] {
  const prefix = config.store.kind === 'upstash' ? config.store.prefix : DEFAULT_PREFIX
  const targets = scope.parts ?? [scope]
  const applied: AppliedPolicy[] = []
  for (const policy of config.policies) {
    const override = policy.tiers[caller.tier]
    // The partitions this policy reaches, in order, once each (a Set only for a composite's several).
    let first: string | undefined
    let more: Set<string> | undefined
    for (const target of targets) {
      if (!matches(policy, target)) continue
      let key = `${prefix}:{${caller.id}}:${policy.name}`
      if (policy.scope === 'service') key += `:s:${target.service}`
      if (policy.scope === 'group') key += `:g:${target.group}`
      if (first === undefined) first = key
      else if (key !== first) (more ??= new Set([first])).add(key)
    }
    if (first === undefined) continue
    for (const key of more ?? [first]) {
      applied.push({
        name: policy.name,
        quota: override?.quota ?? policy.quota,
        window: override?.window ?? policy.window,
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
