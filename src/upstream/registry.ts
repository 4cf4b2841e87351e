import type { GatewayConfig } from '../config/schema'
import type { Telemetry } from '../tracing/telemetry'
import { withTrace } from '../tracing/upstream'
import { bindingTransport, urlTransport } from './transport'
import type { Upstream } from './types'

/** Resolves a binding name to the binding itself (Workers `env`). */
export type BindingLookup = (name: string) => Pick<Fetcher, 'fetch'> | undefined

export interface RegistryDeps {
  bindings?: BindingLookup
  fetch?: typeof fetch
  /** Tracing: every call gets a client span and a fresh traceparent (withTrace). */
  telemetry?: Telemetry
}

/** Service name → the composed upstream the routes call. */
export type Registry = ReadonlyMap<string, Upstream>

/**
 * Builds one upstream per service from config. With several instances the first
 * is used for now; balancing and the resilience decorators compose in here.
 */
export function createRegistry(config: GatewayConfig, deps: RegistryDeps): Registry {
  const registry = new Map<string, Upstream>()
  for (const [name, service] of Object.entries(config.services)) {
    const instances = [
      ...service.bindings.map((binding) => {
        const target = deps.bindings?.(binding)
        if (!target) throw new Error(`service ${name}: binding ${binding} is not bound`)
        return bindingTransport(target)
      }),
      ...service.urls.map((url) => urlTransport(url, deps.fetch)),
    ]
    const [first] = instances
    if (!first) throw new Error(`service ${name}: no instances`)
    // withTrace belongs inside a retry layer, so that each attempt is its own span.
    registry.set(name, deps.telemetry ? withTrace(deps.telemetry)(first) : first)
  }
  return registry
}
