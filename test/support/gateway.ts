import { env } from 'cloudflare:workers'
import { workersConfig } from '../../src/config/deployment'
import type { GatewayConfigInput } from '../../src/config/schema'
import { createGateway } from '../../app/gateway'
import { DEV_USERS, type DevUser } from '../tokens'
import { gateway, ORIGIN } from '../helpers'

const tokens = new Map<DevUser, Promise<string>>()

/** A real access token: a password login through the gateway and the auth origin (once per user and file). */
export function loginAs(user: DevUser): Promise<string> {
  let token = tokens.get(user)
  if (!token) {
    const { email, password } = DEV_USERS[user]
    token = gateway('/api/v2/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    }).then(async (res) => {
      if (res.status !== 200) throw new Error(`login as ${user} failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { access_token: string }).access_token
    })
    tokens.set(user, token)
  }
  return token
}

export interface TestRequestInit extends RequestInit {
  /** Call as this seeded user (a logged-in token), or with this raw access token. */
  as?: DevUser | { token: string }
}

/**
 * A gateway built in the test over the real origins, with its own config (and so its
 * own breakers, coalescing and cache state). Work it hands to `waitUntil` (cache
 * stores, refreshes) is collected, so a test can await it with `settled()`.
 */
export function testGateway(overrides: Partial<GatewayConfigInput> = {}) {
  const bindings = env as unknown as Record<string, Fetcher>
  const app = createGateway({ ...workersConfig(), ...overrides }, { bindings: (name) => bindings[name] })
  const pending: Promise<unknown>[] = []
  const executionCtx = {
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext
  return {
    fetch: async (path: string, { as, ...init }: TestRequestInit = {}) => {
      const headers = new Headers(init.headers)
      if (as !== undefined) {
        headers.set('authorization', `Bearer ${typeof as === 'string' ? await loginAs(as) : as.token}`)
      }
      return app.fetch(new Request(new URL(path, ORIGIN), { ...init, headers }), undefined, executionCtx)
    },
    /** Resolves once everything handed to waitUntil so far has settled. */
    settled: async () => {
      while (pending.length > 0) await Promise.allSettled(pending.splice(0))
    },
  }
}
