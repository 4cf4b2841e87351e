// In-process pipeline harness (bundled and run by bench/pipeline.mjs): Switchyard's
// createGateway and a plain Hono proxy() in front of the same in-memory origin, with
// an ES256 access token of the auth service's shape, the memory limiter with two
// policies, and the logger's lines built but discarded (no I/O in the figure).
import { Hono } from 'hono'
import { proxy } from 'hono/proxy'
import { exportJWK, generateKeyPair } from 'jose'
import { signBenchToken } from './bench-token'
import { SERVICE_NAMES } from '../src/config/deployment'
import { createGateway } from '../app/gateway'
import { createLogger } from '../src/log'

const ORIGIN_BODY = JSON.stringify({
  id: 1,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  role: 'customer',
  created_at: '2026-01-01T00:00:00Z',
})
const SECRET = 'bench-identity-secret-0123456789abcdefghijklmnop'

export type Mode = 'workers' | 'deno'

export async function buildHarness(mode: Mode) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] })
  const calls = { origin: 0, jwks: 0 }
  /** The in-memory origin: the JWKS at its path, a small JSON body for everything else. */
  const origin = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request && !init ? input : new Request(input, init)
    if (new URL(req.url).pathname === '/.well-known/jwks.json') {
      calls.jwks += 1
      return new Response(jwks, { headers: { 'content-type': 'application/json' } })
    }
    calls.origin += 1
    return new Response(ORIGIN_BODY, { headers: { 'content-type': 'application/json' } })
  }
  const fetcher = { fetch: origin } as unknown as Fetcher
  const token = await signBenchToken(privateKey)

  const services = Object.fromEntries(
    SERVICE_NAMES.map((name) => [
      name,
      mode === 'workers' ? { bindings: [name.toUpperCase()] } : { urls: [`http://${name}.bench.internal`] },
    ]),
  )
  const switchyard = createGateway(
    {
      services,
      auth:
        mode === 'workers'
          ? {}
          : { jwks: { url: 'http://127.0.0.1:1/.well-known/jwks.json' }, identitySecret: SECRET },
      rateLimit: {
        store: { kind: 'memory' },
        policies: [
          { name: 'burst', quota: 1_000_000, window: 1 },
          { name: 'sustained', quota: 1_000_000, window: 60 },
        ],
      },
      // No Cache API in Node; the measured routes reach the origin every time.
      caching: { enabled: false },
    },
    {
      bindings: () => fetcher,
      fetch: origin as typeof fetch,
      clientIp: () => '192.0.2.1',
      logger: createLogger({ service: 'switchyard' }, () => {}),
    },
  )

  // The baseline: a bare Hono proxy() to the same origin.
  const hono = new Hono()
  hono.get('/api/v2/*', (c) => {
    const url = new URL(c.req.url)
    return proxy(`http://origin.internal${url.pathname.slice('/api/v2'.length)}${url.search}`, {
      ...c.req,
      customFetch: (req: Request) => origin(req),
    })
  })
  return { switchyard, hono, token, calls }
}
