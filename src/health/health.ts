import type { Context, Handler } from 'hono'
import type { GatewayConfig } from '../config/schema'
import { problemResponse } from '../../wire/problem'
import type { StoreHealthReport } from '../ratelimit/store-health'
import type { GatewayEnv } from '../types'
import type { Registry, UpstreamStatus } from '../upstream/registry'

export interface DependencyStatus extends Partial<UpstreamStatus> {
  status: 'ok' | 'down'
  required: boolean
  http_status?: number
  error?: string
  latency_ms: number
}

/**
 * Health probes. `live`: the isolate answers. `startup`: the config validated (an
 * invalid config throws before this app exists). `ready`: every origin's own
 * `/health/ready` answered 200 in time and no breaker is open; a required one that
 * fails either → 503. Each dependency also shows its breaker state, its instances
 * (ejected or not) and its retry budget, as this isolate sees them.
 */
export function healthHandlers(
  config: GatewayConfig,
  registry: Registry,
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void,
  /** The rate limiter's store (status, last error, fail-open count): shown, never failing readiness. */
  rateLimitStore?: { report(): StoreHealthReport },
): Record<'health-live' | 'health-startup' | 'health-ready', Handler<GatewayEnv>> {
  const ready: Handler<GatewayEnv> = async (c) => {
    const entries = await checkDependencies(config, registry, c, waitUntil)
    const dependencies = Object.fromEntries(entries)
    const limits = rateLimitStore ? { rate_limit: rateLimitStore.report() } : {}
    const failing = entries.filter(([, s]) => s.status === 'down' && s.required).map(([n]) => n)
    if (failing.length > 0) {
      return problemResponse({
        type: 'not-ready',
        title: 'Not Ready',
        status: 503,
        detail: `Required dependencies are down: ${failing.join(', ')}.`,
        extensions: { failing, dependencies, ...limits },
      })
    }
    return c.json({ status: 'ok', dependencies, ...limits })
  }
  return {
    'health-live': (c) => c.json({ status: 'ok' }),
    'health-startup': (c) => c.json({ status: 'ok', config: 'valid' }),
    'health-ready': ready,
  }
}

/**
 * Every configured service's readiness: its own `/health/ready` probed in parallel,
 * its breaker (an open one counts as down), instances and retry budget. Shared by
 * `/health/ready` and the operators' status page.
 */
export async function checkDependencies(
  config: GatewayConfig,
  registry: Registry,
  c: Context<GatewayEnv>,
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void,
): Promise<(readonly [string, DependencyStatus])[]> {
  return Promise.all(
    Object.entries(config.services).map(async ([name, service]) => {
      const probed = await probe(name, registry, config.health.timeoutMs, c, waitUntil)
      const resilience = registry.status(name)
      const open = resilience?.breaker.state === 'open'
      const status: DependencyStatus = {
        ...probed,
        ...(open ? { status: 'down', error: probed.error ?? 'circuit breaker open' } : {}),
        required: service.required,
        ...resilience,
      }
      return [name, status] as const
    }),
  )
}

async function probe(
  name: string,
  registry: Registry,
  timeoutMs: number,
  c: Context<GatewayEnv>,
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void,
): Promise<Omit<DependencyStatus, 'required'>> {
  const started = performance.now()
  const upstream = registry.probe(name)
  const elapsed = () => Math.round(performance.now() - started)
  if (!upstream) return { status: 'down', error: 'not configured', latency_ms: 0 }
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const res = await upstream(new Request(`http://${name}.internal/health/ready`, { signal }), {
      service: name,
      route: '/health/ready',
      requestId: c.get('requestId'),
      trace: c.get('trace'),
      signal,
      waitUntil: (p) => waitUntil(c, p),
    })
    await res.body?.cancel()
    return res.ok
      ? { status: 'ok', http_status: res.status, latency_ms: elapsed() }
      : { status: 'down', http_status: res.status, latency_ms: elapsed() }
  } catch (err) {
    const error = signal.aborted ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err)
    return { status: 'down', error, latency_ms: elapsed() }
  }
}
