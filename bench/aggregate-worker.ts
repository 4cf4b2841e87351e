// Bench-only Worker (bench/aggregate.mjs): the composite decorator over the real
// registry and origins, without the gateway's middleware, so the ratio measures
// fan-out alone. `/composite`: three parts in one stage; `/single`: the users part alone.
import { composite } from '../src/aggregate/composite'
import { workersConfig } from '../src/config/deployment'
import { parseConfig } from '../src/config/schema'
import { createRegistry } from '../src/upstream/registry'
import type { CallContext } from '../src/upstream/types'
import { THREE_PARTS } from './aggregate-parts'

let registry: ReturnType<typeof createRegistry> | undefined

export default {
  async fetch(request: Request, env: Record<string, Fetcher>, ctx: ExecutionContext): Promise<Response> {
    // No coalescing: the load generator's identical requests must each reach the origins.
    registry ??= createRegistry(parseConfig({ ...workersConfig(), caching: { coalesce: false } }), { bindings: (name) => env[name] })
    const call: CallContext = { service: 'bench', route: '/bench', requestId: 'bench', caller: '1', waitUntil: (p) => ctx.waitUntil(p) }
    const path = new URL(request.url).pathname
    if (path === '/composite') return composite(THREE_PARTS, registry)(new Request(request.url), call)
    if (path === '/single') return registry.get('users')!(new Request('http://users.internal/users/1'), { ...call, service: 'users' })
    return new Response('not found', { status: 404 })
  },
}
