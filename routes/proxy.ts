import type { Context, Hono, MiddlewareHandler } from 'hono'
import { responseCache } from '../middleware/cache'
import { idempotency } from '../middleware/idempotency'
import type { IdempotencyConfig } from '../src/idempotency/config'
import type { IdempotencyStore } from '../src/idempotency/store'
import { setIdentityHeaders } from '../src/auth/identity-headers'
import { expandOriginPath } from '../src/auth/origin-path'
import { originBody } from '../src/proxy/body'
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../src/proxy/headers'
import { relayOriginSocket } from '../src/proxy/websocket'
import { PROBLEM_CONTENT_TYPE, ProblemError } from '../wire/problem'
import { clientPath, problems } from '../src/problem'
import { essence } from '../src/versioning/media-type'
import type { GatewayEnv } from '../src/types'
import type { Registry } from '../src/upstream/registry'
import type { CallContext } from '../src/upstream/types'
import { transcoder } from '../src/rpc/transcode'
import type { Method, RouteSpec } from './table'
import { endpointOf } from '../src/endpoint/lookup'

export interface ProxyOptions {
  registry: Registry
  gatewayName: string
  clientIp: (c: Context<GatewayEnv>) => string | undefined
  waitUntil: (c: Context<GatewayEnv>, promise: Promise<unknown>) => void
  /** Response cache for routes with `cache` (absent: caching off). */
  cache?: { storage: () => Promise<Cache | undefined> }
  /** Idempotency keys for routes with `idempotency` (absent: keys pass through unchecked). */
  idempotency?: { store: IdempotencyStore; config: IdempotencyConfig }
}

/**
 * Mounts a version's route table under `/api/<version>`. Each path also gets a
 * catch-all that answers 405 with `Allow`, so a known path with the wrong method
 * is told apart from an unknown path (404).
 */
export function mountVersion(
  app: Hono<GatewayEnv>,
  version: string,
  routes: RouteSpec[],
  options: ProxyOptions,
): void {
  const prefix = `/api/${version}`
  const methodsByPath = new Map<string, Method[]>()
  for (const spec of routes) {
    const template = prefix + spec.path
    methodsByPath.set(template, [...(methodsByPath.get(template) ?? []), spec.method])
    const transcode = spec.rpc ? transcoder({ ...spec, rpc: spec.rpc }, options) : undefined
    const handler = (c: Context<GatewayEnv>) => {
      if (transcode) return transcode(c)
      const originPath = spec.originPath
        ? expandOriginPath(spec.originPath, c.get('identity'))
        : c.req.path.slice(prefix.length)
      return forward(c, spec, originPath, options, prefix)
    }
    // The cache runs last before the handler: after auth and rate limits, per route.
    const cache: MiddlewareHandler<GatewayEnv>[] =
      spec.cache && options.cache
        ? [
            responseCache({
              storage: options.cache.storage,
              version,
              perUser: spec.cache.perUser,
              revalidate: handler,
              waitUntil: options.waitUntil,
            }),
          ]
        : []
    // Idempotency keys: after auth, rate limits and body validation (mounted before), per route.
    const keys: MiddlewareHandler<GatewayEnv>[] =
      spec.idempotency && options.idempotency
        ? [idempotencyFor(options.idempotency, spec.idempotency, options.clientIp)]
        : []
    app.on([spec.method], [template], ...keys, ...cache, handler)
  }
  for (const [template, methods] of methodsByPath) {
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods
    app.all(template, () => {
      throw ProblemError.of(problems.methodNotAllowed(allowed), { Allow: allowed.join(', ') })
    })
  }
}

function idempotencyFor(
  { store, config }: NonNullable<ProxyOptions['idempotency']>,
  route: NonNullable<RouteSpec['idempotency']>,
  clientIp: ProxyOptions['clientIp'],
): MiddlewareHandler<GatewayEnv> {
  const { ttlSeconds, lockSeconds, failure, retryAfterSeconds, maxKeyLength, maxBodyBytes } = config
  return idempotency({ store, required: route.required, ttlSeconds, lockSeconds, failure, retryAfterSeconds, maxKeyLength, maxBodyBytes, clientIp })
}

/**
 * Headers for a call to an origin on behalf of this request: the client's, cleaned
 * (src/proxy/headers.ts), plus the request id and the verified caller's identity.
 */
export function originRequestHeaders(
  c: Context<GatewayEnv>,
  options: Pick<ProxyOptions, 'clientIp' | 'gatewayName'>,
): Headers {
  const incoming = new URL(c.req.url)
  const headers = upstreamRequestHeaders(c.req.raw.headers, {
    clientIp: options.clientIp(c),
    proto: incoming.protocol.replace(':', ''),
    host: incoming.host,
    gatewayName: options.gatewayName,
  })
  headers.set('x-request-id', c.get('requestId'))
  setIdentityHeaders(headers, c.get('identity'))
  return headers
}

/**
 * Sends the request to the route's service at the same normalized path it was
 * routed on (or at the route's caller-relative `originPath`), with the verified
 * caller's identity headers. The target host is fixed by the registry, never taken
 * from the client.
 */
export async function forward(
  c: Context<GatewayEnv>,
  spec: RouteSpec,
  originPath: string,
  options: ProxyOptions,
  /** Public path prefix of the route (`/api/v2`): origin-relative `Location`s get it back. */
  publicPrefix = '',
): Promise<Response> {
  const incoming = new URL(c.req.url)
  const headers = originRequestHeaders(c, options)
  // A WebSocket route hands the upgrade on: the origin answers the handshake.
  if (spec.stream === 'websocket' && c.req.header('upgrade')?.toLowerCase() === 'websocket') {
    headers.set('upgrade', 'websocket')
  }
  // Framed as the client framed it: `Content-Length` stays `Content-Length` (src/proxy/body.ts).
  const { body, duplex } = await originBody(c.req.raw)
  // Bytes get their length from fetch; a stale header from a layer that rewrote them must not win.
  if (body !== undefined && !duplex) headers.delete('content-length')
  const request = new Request(`http://${spec.service}.internal${originPath}${incoming.search}`, {
    method: c.req.method,
    headers,
    body,
    redirect: 'manual',
    ...(duplex && { duplex }),
  } as RequestInit)

  const response = await callUpstream(c, spec, request, options)
  const responseHeaders = downstreamResponseHeaders(response.headers)
  const location = responseHeaders.get('location')
  // The origin names its own path (`/orders/7`); the client knows it as `/api/v2/orders/7`.
  if (publicPrefix && location?.startsWith('/') && !location.startsWith('//')) {
    responseHeaders.set('location', publicPrefix + location)
  }
  // The origin accepted a WebSocket: the socket itself is relayed (Workers), or bridged (Deno).
  if (response.status === 101 && response.webSocket) {
    return new Response(null, { status: 101, webSocket: response.webSocket, headers: responseHeaders })
  }
  if (spec.stream === 'websocket') {
    const bridged = relayOriginSocket(c.req.raw, response)
    if (bridged) return bridged
  }
  if (essence(responseHeaders.get('content-type') ?? '') === PROBLEM_CONTENT_TYPE) {
    return originProblem(response, responseHeaders, clientPath(c))
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: responseHeaders,
  })
}

/**
 * An origin's problem, as the client must see it: its `instance` is the path the client
 * sent (the origin names its own, `/orders/4`), and an error is never stored by a cache.
 */
async function originProblem(response: Response, headers: Headers, instance: string): Promise<Response> {
  headers.set('cache-control', 'no-store')
  headers.delete('content-length')
  const text = await response.text()
  let body = text
  try {
    const problem = JSON.parse(text) as unknown
    if (problem && typeof problem === 'object' && !Array.isArray(problem)) body = JSON.stringify({ ...problem, instance })
  } catch {
    // Not JSON after all: passed on as it came.
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers })
}

/**
 * Calls the route's service through its upstream stack (breaker, deadline, retries,
 * tracing, timeouts, balancing) on behalf of this request. An upstream that throws
 * anything but a problem (connection refused, reset) becomes a 502 naming the service.
 */
export async function callUpstream(
  c: Context<GatewayEnv>,
  spec: Pick<RouteSpec, 'service' | 'path' | 'timeout' | 'stream'>,
  request: Request,
  options: Pick<ProxyOptions, 'registry' | 'waitUntil'>,
): Promise<Response> {
  const upstream = options.registry.get(spec.service)
  if (!upstream) throw ProblemError.of(problems.badGateway(spec.service, 'Service is not configured.'))
  c.set('upstream', spec.service)
  const ctx: CallContext = {
    service: spec.service,
    route: endpointOf(c)?.template ?? spec.path,
    requestId: c.get('requestId'),
    caller: c.get('identity')?.sub,
    signal: c.req.raw.signal,
    waitUntil: (promise) => options.waitUntil(c, promise),
    timeouts: spec.timeout,
    idempotencyKey: c.get('idempotencyKey'),
    stream: spec.stream !== undefined,
  }
  try {
    return await upstream(request, ctx)
  } catch (err) {
    if (err instanceof ProblemError) throw err
    c.get('logger')?.log('warn', 'upstream call failed', {
      service: spec.service,
      error: err instanceof Error ? err.message : String(err),
    })
    throw ProblemError.of(problems.badGateway(spec.service, `The ${spec.service} service could not be reached.`))
  }
}
