import { env, exports } from 'cloudflare:workers'
import { createGateway, type GatewayDeps } from '../app/gateway'
import { workersConfig } from '../src/config/deployment'
import type { GatewayConfigInput } from '../src/config/schema'
import type { LogFields } from '../src/log'

export const ORIGIN = 'http://gateway.test'
export const SERVICES = ['auth', 'users', 'orders', 'payments', 'inventory'] as const
export type ServiceName = (typeof SERVICES)[number]

const bindings = env as unknown as Record<string, Fetcher>

/** A request to the deployed gateway Worker (wrangler.toml's main, real bindings). */
export function gateway(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, ORIGIN), init))
}

/** A gateway built in the test with its own config, over the same real origins. */
export function customGateway(
  overrides: Partial<GatewayConfigInput> = {},
  deps: GatewayDeps = {},
): { fetch: (path: string, init?: RequestInit) => Promise<Response> } {
  const app = createGateway(
    { ...workersConfig(), ...overrides },
    { bindings: (name) => bindings[name], clientIp: (c) => c.req.header('cf-connecting-ip'), ...deps },
  )
  return { fetch: async (path, init) => app.fetch(new Request(new URL(path, ORIGIN), init)) }
}

/** Collects the gateway's JSON log lines. */
export function logCapture(): { lines: LogFields[]; sink: (line: string) => void } {
  const lines: LogFields[] = []
  return { lines, sink: (line) => lines.push(JSON.parse(line) as LogFields) }
}

function origin(service: ServiceName): Fetcher {
  return bindings[service.toUpperCase()]!
}

export interface OriginStats {
  requests: number
  byPath: Record<string, number>
  lastHeaders: Record<string, string>
}

/** What an origin itself saw (test-only endpoint of its fault-injection layer). */
export async function originStats(service: ServiceName): Promise<OriginStats> {
  const res = await origin(service).fetch('http://origin/__faults/stats')
  return (await res.json()) as OriginStats
}

export async function resetOrigin(service: ServiceName): Promise<void> {
  await origin(service).fetch('http://origin/__faults/stats', { method: 'DELETE' })
  await origin(service).fetch('http://origin/__faults', { method: 'DELETE' })
}

export async function setFault(service: ServiceName, fault: Record<string, unknown>): Promise<void> {
  const res = await origin(service).fetch('http://origin/__faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  if (!res.ok) throw new Error(`setting fault on ${service} failed: ${res.status}`)
}

export async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`)
  const type = res.headers.get('content-type') ?? ''
  if (!type.startsWith('application/problem+json')) throw new Error(`not problem+json: ${type}`)
  const body = (await res.json()) as Record<string, unknown>
  if (body.status !== status || typeof body.title !== 'string' || typeof body.type !== 'string') {
    throw new Error(`malformed problem document: ${JSON.stringify(body)}`)
  }
  return body
}
