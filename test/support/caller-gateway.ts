import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { workersConfig } from '../../src/config/deployment'
import type { GatewayConfigInput } from '../../src/config/schema'
import { createGateway } from '../../src/gateway'
import type { GatewayEnv } from '../../src/types'
import { ORIGIN } from '../helpers'

/** Test-only header naming the caller, standing in for a verified token. */
export const CALLER = 'x-test-caller'

/**
 * A gateway over the real origins whose verified caller is taken from `X-Test-Caller`
 * (stands in for the auth middleware, which sets the same `identity` variable).
 */
export function callerGateway(overrides: Partial<GatewayConfigInput> = {}) {
  const bindings = env as unknown as Record<string, Fetcher>
  const inner = createGateway({ ...workersConfig(), ...overrides }, { bindings: (name) => bindings[name] })
  const app = new Hono<GatewayEnv>()
  app.use(async (c, next) => {
    const sub = c.req.header(CALLER)
    if (sub !== undefined) c.set('identity', { sub, scopes: [], claims: { sub } })
    await next()
  })
  app.route('/', inner)
  // Work the gateway hands to waitUntil (cache stores, refreshes), so tests can await it.
  const pending: Promise<unknown>[] = []
  const executionCtx = {
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext
  return {
    fetch: (path: string, init: RequestInit & { caller?: string } = {}) => {
      const headers = new Headers(init.headers)
      if (init.caller !== undefined) headers.set(CALLER, init.caller)
      return Promise.resolve(app.fetch(new Request(new URL(path, ORIGIN), { ...init, headers }), undefined, executionCtx))
    },
    /** Resolves once everything handed to waitUntil so far has settled. */
    settled: async () => {
      while (pending.length > 0) await Promise.allSettled(pending.splice(0))
    },
  }
}
