import type { GatewayConfig } from '../config/schema'
import type { Logger } from '../log'
import { balance, type Instance, type InstanceStatus } from './balance'
import { withBreaker, type BreakerStatus } from './breaker'
import { withCoalescing } from './coalesce'
import { resolvePolicy, type ResiliencePolicy } from './config'
import { withProblemGuard } from './problem-guard'
import { withRetry } from './retry'
import { RetryBudget, type RetryBudgetStatus } from './retry-budget'
import { withTimeout } from './timeout'
import type { Telemetry } from '../../wire/tracing/telemetry'
import { withTrace } from '../tracing/upstream'
import { withMetrics, type Metrics } from '../metrics'
import { bindingTransport, urlTransport } from './transport'
import type { Upstream } from './types'

/** Resolves a binding name to the binding itself (Workers `env`). */
export type BindingLookup = (name: string) => Pick<Fetcher, 'fetch'> | undefined

export interface RegistryDeps {
  bindings?: BindingLookup
  fetch?: typeof fetch
  /** Breaker state changes, retries and ejections are logged here. */
  logger?: Logger
  /** Tracing: every call gets a client span and a fresh traceparent (withTrace). */
  telemetry?: Telemetry
  /** Attempts, retries and breaker changes are counted here. */
  metrics?: Metrics
}

/** What `/health/ready` reports per upstream. */
export interface UpstreamStatus {
  breaker: BreakerStatus
  instances: InstanceStatus[]
  /** Ids of the instances currently ejected. */
  ejected: string[]
  retry_budget: RetryBudgetStatus
}

/**
 * Service name → the composed upstream the routes call. Also reports each service's
 * resilience state, and offers a probe path past breaker and retries.
 */
export interface Registry extends ReadonlyMap<string, Upstream> {
  status(name: string): UpstreamStatus | undefined
  /**
   * An instance not ejected, past breaker, retries, timeouts and outlier counts: a
   * health probe must neither trip nor close a breaker, nor clear an instance's
   * failures (origins' health routes ignore injected faults).
   */
  probe(name: string): Upstream | undefined
}

/**
 * Builds one upstream per service from config, composed outside-in as
 *
 *   coalesce → problemGuard → breaker → deadline → retry (budget) → trace → per-try timeout → balance(pool)
 *
 * so identical concurrent GETs of one caller make one call (config `caching.coalesce`),
 * the breaker counts one outcome per client call (after retries), the deadline bounds
 * retries and backoff, each attempt has its own timeout and may land on another
 * instance, outlier detection sees every attempt, and every attempt is its own client
 * span with its own traceparent. All state is per isolate.
 */
export function createRegistry(config: GatewayConfig, deps: RegistryDeps): Registry {
  const upstreams = new Map<string, Upstream>()
  const probes = new Map<string, Upstream>()
  const statuses = new Map<string, () => UpstreamStatus>()
  const { resilience } = config
  for (const name of Object.keys(resilience.services ?? {})) {
    if (!(name in config.services)) throw new Error(`invalid gateway config: resilience.services.${name} names no configured service`)
  }

  for (const [name, service] of Object.entries(config.services)) {
    const pool: Instance[] = [
      ...service.bindings.map((binding) => {
        const target = deps.bindings?.(binding)
        if (!target) throw new Error(`service ${name}: binding ${binding} is not bound`)
        return { id: binding, upstream: bindingTransport(target) }
      }),
      ...service.urls.map((url) => ({ id: instanceId(url), upstream: urlTransport(url, deps.fetch) })),
    ]
    const policy: ResiliencePolicy = resolvePolicy(resilience.defaults, resilience.services?.[name])
    const balanced = balance(pool, { service: name, ...policy.balance, logger: deps.logger })
    const budget = new RetryBudget(policy.retry.budget)
    const breaker = withBreaker({ service: name, ...policy.breaker, logger: deps.logger, metrics: deps.metrics })
    const stack = [
      // Outermost: calls it merges make no origin call, and count once at the breaker.
      ...(config.caching.coalesce ? [withCoalescing()] : []),
      withProblemGuard(),
      breaker,
      withTimeout({ ms: policy.timeout.deadlineMs, scope: 'deadline' }),
      withRetry({ ...policy.retry, budget, logger: deps.logger, metrics: deps.metrics }),
      // Inside the retries: every attempt is its own client span with its own traceparent.
      ...(deps.telemetry ? [withTrace(deps.telemetry)] : []),
      ...(deps.metrics ? [withMetrics(deps.metrics)] : []),
      withTimeout({ ms: policy.timeout.perTryMs, scope: 'try' }),
    ]
    upstreams.set(name, stack.reduceRight<Upstream>((inner, decorate) => decorate(inner), balanced))
    probes.set(name, deps.telemetry ? withTrace(deps.telemetry)(balanced.probe) : balanced.probe)
    statuses.set(name, () => {
      const instances = balanced.status()
      return {
        breaker: breaker.status(),
        instances,
        ejected: instances.filter((i) => i.ejected).map((i) => i.id),
        retry_budget: budget.status(),
      }
    })
  }

  return Object.assign(upstreams, {
    status: (name: string) => statuses.get(name)?.(),
    probe: (name: string) => probes.get(name),
  })
}

/** A URL instance is shown without credentials or query. */
function instanceId(url: string): string {
  const u = new URL(url)
  return u.origin + u.pathname.replace(/\/$/, '')
}
