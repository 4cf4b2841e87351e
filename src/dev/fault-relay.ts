import type { Hono } from 'hono'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'

/** Resolves a service name to the binding of its (first) instance. */
export type OriginLookup = (service: string) => Pick<Fetcher, 'fetch'> | undefined

/**
 * Dev only: relays `/__dev/faults/<service>` and `/__dev/faults/<service>/stats` to
 * that origin's own fault-injection routes (`/__faults`, `/__faults/stats`). Under
 * `npm run dev` only the gateway has a port, so this is how to make an origin fail
 * and watch the breaker. `app/worker.ts` mounts it only when the gateway's own
 * `FAULT_INJECTION` var is `enabled` (the root `.dev.vars`); the deployed
 * `wrangler.toml` never sets it, and each origin still refuses faults unless its
 * own flag is set as well.
 *
 * @example
 * ```sh
 * curl -X PUT localhost:8787/__dev/faults/users -H 'content-type: application/json' \
 *   -d '{"mode":"status","status":503}'
 * ```
 */
export function mountFaultRelay(app: Hono<GatewayEnv>, origin: OriginLookup): void {
  app.on(['GET', 'PUT', 'DELETE'], '/__dev/faults/:service/:rest{stats}?', async (c) => {
    const service = c.req.param('service')
    const target = typeof origin(service)?.fetch === 'function' ? origin(service) : undefined
    if (!target) throw ProblemError.of(problems.notFound(`No service named ${service}.`))
    const path = c.req.param('rest') ? '/__faults/stats' : '/__faults'
    const res = await target.fetch(`http://${service}.internal${path}`, {
      method: c.req.method,
      headers: { 'content-type': c.req.header('content-type') ?? 'application/json' },
      body: c.req.method === 'PUT' ? await c.req.text() : undefined,
    })
    return new Response(res.body, { status: res.status, headers: res.headers })
  })
}
