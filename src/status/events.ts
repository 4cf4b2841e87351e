import type { Context } from 'hono'
import { setIdentityHeaders } from '../auth/identity-headers'
import type { GatewayEnv } from '../types'
import type { Registry } from '../upstream/registry'

/** An event service's backlog as its origin reports it (services/shared/events/stats.ts), or why it could not. */
export type EventBacklog =
  | {
      outbox: { unsent: number; failing: number; oldest_unsent_at: string | null }
      dead_letters: { pending: number; total: number }
    }
  | { error: string }

/**
 * Each event service's outbox backlog and dead letters, asked of its origin through the
 * same probe path as readiness (no breaker, no retries: a status page must not wait on
 * them), as the calling admin: the origin answers admins only.
 */
export async function eventBacklogs(
  services: readonly string[],
  registry: Registry,
  timeoutMs: number,
  c: Context<GatewayEnv>,
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void,
): Promise<Record<string, EventBacklog>> {
  const entries = await Promise.all(
    services.map(async (name) => [name, await backlogOf(name, registry, timeoutMs, c, waitUntil)] as const),
  )
  return Object.fromEntries(entries)
}

async function backlogOf(
  name: string,
  registry: Registry,
  timeoutMs: number,
  c: Context<GatewayEnv>,
  waitUntil: (c: Context<GatewayEnv>, p: Promise<unknown>) => void,
): Promise<EventBacklog> {
  const upstream = registry.probe(name)
  if (!upstream) return { error: 'not configured' }
  const signal = AbortSignal.timeout(timeoutMs)
  const headers = new Headers({ accept: 'application/json' })
  setIdentityHeaders(headers, c.get('identity'))
  try {
    const res = await upstream(new Request(`http://${name}.internal/${name}/events/stats`, { headers, signal }), {
      service: name,
      route: '/status',
      requestId: c.get('requestId'),
      trace: c.get('trace'),
      signal,
      waitUntil: (p) => waitUntil(c, p),
    })
    if (!res.ok) {
      await res.body?.cancel()
      return { error: `origin answered ${res.status}` }
    }
    const body = (await res.json()) as EventBacklog
    return 'outbox' in body && 'dead_letters' in body ? body : { error: 'unexpected answer' }
  } catch (err) {
    return { error: signal.aborted ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err) }
  }
}
