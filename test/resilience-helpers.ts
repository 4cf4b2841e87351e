import { env } from 'cloudflare:workers'
import type { GatewayConfigInput } from '../src/config/schema'
import { createLogger } from '../src/log'
import type { PolicyPatch } from '../src/upstream/config'
import { customGateway, logCapture, type OriginStats } from './helpers'
import { callingAs } from './tokens'

/** Test-side access to one origin instance by its binding name (`USERS`, `USERS_B`, …). */
function instance(binding: string): Fetcher {
  const target = (env as unknown as Record<string, Fetcher | undefined>)[binding]
  if (!target) throw new Error(`no binding ${binding} in the test Worker`)
  return target
}

export async function setInstanceFault(binding: string, fault: Record<string, unknown>): Promise<void> {
  const res = await instance(binding).fetch('http://origin/__faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  if (!res.ok) throw new Error(`setting fault on ${binding} failed: ${res.status} ${await res.text()}`)
}

export async function instanceStats(binding: string): Promise<OriginStats & { aborted: number }> {
  return (await (await instance(binding).fetch('http://origin/__faults/stats')).json()) as OriginStats & { aborted: number }
}

export async function resetInstances(...bindings: string[]): Promise<void> {
  for (const b of bindings) {
    await instance(b).fetch('http://origin/__faults', { method: 'DELETE' })
    await instance(b).fetch('http://origin/__faults/stats', { method: 'DELETE' })
  }
}

/** Requests an instance answered, health probes excluded. */
export async function callsTo(binding: string): Promise<number> {
  return (await instanceStats(binding)).requests
}

/**
 * A gateway with its own resilience settings over the real origins; every service
 * gets `defaults`, and `services` (binding lists) replaces the deployment's.
 */
export function resilientGateway(options: {
  defaults?: PolicyPatch
  perService?: Record<string, PolicyPatch>
  services?: GatewayConfigInput['services']
}) {
  const logs = logCapture()
  const gw = customGateway(
    {
      ...(options.services ? { services: options.services } : {}),
      resilience: { defaults: options.defaults, services: options.perService },
    },
    { logger: createLogger({ service: 'test' }, logs.sink) },
  )
  // Every API route needs a token: these tests call as the seeded admin.
  return { ...gw, fetch: callingAs('grace', gw.fetch), logs: logs.lines }
}

/** Settings that keep one mechanism in view: no retries, a breaker that does not trip. */
export const QUIET: PolicyPatch = {
  retry: { maxAttempts: 1 },
  breaker: { consecutiveFailures: 1000, windowSize: 1000, minimumCalls: 1000 },
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await wait(25)
  }
  return check()
}

/** Merges two policy patches one level deep (enough for the tests' overrides). */
export function patch(base: PolicyPatch, extra: PolicyPatch): PolicyPatch {
  return {
    timeout: { ...base.timeout, ...extra.timeout },
    retry: { ...base.retry, ...extra.retry },
    breaker: { ...base.breaker, ...extra.breaker },
    balance: { ...base.balance, ...extra.balance },
  }
}
