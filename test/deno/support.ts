/** Node-side helpers for the runs against a real `deno serve` gateway. */
// @ts-expect-error plain ESM scripts shared with dev tooling
import { DEV_IDENTITY_SECRET, startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'

/** Logs in through the gateway (the real auth origin) and returns the access token. */
export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v2/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** The seeded admin (README dev accounts): may call every route. */
export const loginAdmin = (base: string) => login(base, 'grace@example.com', 'grace-dev-password')

export interface DenoStack {
  origins: { urls: Record<string, string>; dispose: () => Promise<void> }
  gw: { base: string; stop: () => void }
  /** Request headers of the seeded admin, logged in through this gateway. */
  admin: Record<string, string>
  stop: () => Promise<void>
}

/**
 * The origins in Miniflare on loopback ports and the gateway under `deno serve`,
 * sharing the identity secret (identity goes to URL origins signed). `env` adds to the
 * gateway's environment (e.g. its rate-limit settings).
 */
export async function startDenoStack({ env = {} }: { env?: Record<string, string> } = {}): Promise<DenoStack> {
  const secret = DEV_IDENTITY_SECRET as string
  const origins = await startOriginServers({ vars: { IDENTITY_SECRET: secret } })
  const gw = await startDenoGateway({
    urls: origins.urls,
    port: await freePort(),
    env: { ...env, SWITCHYARD_IDENTITY_SECRET: secret },
  })
  const admin = { authorization: `Bearer ${await loginAdmin(gw.base)}` }
  return {
    origins,
    gw,
    admin,
    stop: async () => {
      gw.stop()
      await origins.dispose()
    },
  }
}
