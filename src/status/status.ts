import type { Context, Handler } from 'hono'
import { accepts } from 'hono/accepts'
import type { GatewayConfig } from '../config/schema'
import { checkDependencies, type DependencyStatus } from '../health/health'
import type { Metrics, RecentCounts } from '../metrics'
import type { Limiter } from '../ratelimit/limiter'
import type { GatewayEnv } from '../types'
import type { Registry } from '../upstream/registry'
import { eventBacklogs, type EventBacklog } from './events'
import { statusPage } from './page'

export interface LimiterHealth {
  enabled: boolean
  store?: 'upstash' | 'memory'
  /** `degraded`: the store failed (fail-open or fail-closed) within the window. */
  health?: 'ok' | 'degraded' | 'idle'
  recent?: Record<string, number>
  totals?: { decisions: number; store_calls: number; cached_denials: number; fail_open: number; fail_closed: number }
}

export interface StatusReport {
  status: 'ok' | 'degraded'
  gateway: string
  generated_at: string
  window_s: number
  metrics_export: 'otlp' | 'off'
  services: Record<string, DependencyStatus & { recent: RecentCounts }>
  routes: Record<string, RecentCounts>
  rate_limit: LimiterHealth
  /** Per event service: unsent outbox rows and dead letters (what the origin's D1 holds). */
  events: Record<string, EventBacklog>
}

export interface StatusOptions {
  config: GatewayConfig
  registry: Registry
  metrics: Metrics
  limiter?: Limiter
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void
  /** Origins that publish events (routes/table.ts): their backlogs are shown. */
  eventServices?: readonly string[]
}

const NO_TRAFFIC: RecentCounts = { requests: 0, errors: 0, error_rate: 0 }

/**
 * The operators' status page: each service's readiness, instances, breaker, ejections
 * and retry budget (what `/health/ready` gathers), the last minute's request and error
 * counts per service and route (src/metrics), the rate limiter's store health, as
 * this isolate sees them, and each event service's outbox backlog and dead letters
 * (./events.ts). `/status` answers HTML to browsers and JSON otherwise;
 * `/status.json` is always JSON. Neither is cached. Operators only: the table gives
 * these routes the `admin` role (routes/gateway.ts).
 */
export function statusHandlers(options: StatusOptions): Record<'status' | 'status-json', Handler<GatewayEnv>> {
  const report = async (c: Context<GatewayEnv>): Promise<StatusReport> => {
    const [entries, events] = await Promise.all([
      checkDependencies(options.config, options.registry, c, options.waitUntil),
      eventBacklogs(options.eventServices ?? [], options.registry, options.config.health.timeoutMs, c, options.waitUntil),
    ])
    const recent = options.metrics.recent()
    const services = Object.fromEntries(entries.map(([name, s]) => [name, { ...s, recent: recent.upstreams[name] ?? NO_TRAFFIC }]))
    const down = entries.some(([, s]) => s.status === 'down' && s.required)
    const rateLimit = limiterHealth(options.limiter, recent.limiter)
    return {
      status: down || rateLimit.health === 'degraded' ? 'degraded' : 'ok',
      gateway: options.config.name,
      generated_at: new Date().toISOString(),
      window_s: recent.window_s,
      metrics_export: options.metrics.exporting ? 'otlp' : 'off',
      services,
      routes: recent.routes,
      rate_limit: rateLimit,
      events,
    }
  }
  const noStore = { 'Cache-Control': 'no-store', Vary: 'Accept' }
  const page: Handler<GatewayEnv> = async (c) => {
    const data = await report(c)
    if (!prefersHtml(c)) return c.json(data, 200, noStore)
    return c.html(statusPage(data), 200, {
      ...noStore,
      // Everything is inline: no script, no third-party asset may load.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    })
  }
  return { status: page, 'status-json': async (c) => c.json(await report(c), 200, noStore) }
}

function limiterHealth(limiter: Limiter | undefined, recent: Record<string, number>): LimiterHealth {
  if (!limiter) return { enabled: false }
  const failures = (recent['fail-open'] ?? 0) + (recent['fail-closed'] ?? 0)
  const decisions = Object.values(recent).reduce((a, b) => a + b, 0)
  const { stats } = limiter
  return {
    enabled: true,
    store: limiter.store.kind,
    health: failures > 0 ? 'degraded' : decisions > 0 ? 'ok' : 'idle',
    recent,
    totals: {
      decisions: stats.decisions,
      store_calls: stats.storeCalls,
      cached_denials: stats.cachedDenials,
      fail_open: stats.failOpen,
      fail_closed: stats.failClosed,
    },
  }
}

// A browser navigation ranks text/html first; curl (any type) and API clients get JSON.
export const prefersHtml = (c: Context): boolean =>
  accepts(c, { header: 'Accept', supports: ['application/json', 'text/html'], default: 'application/json' }) === 'text/html'
