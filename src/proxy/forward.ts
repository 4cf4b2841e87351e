/**
 * Forwarding a request to an origin through its Upstream (core; the endpoint factory
 * builds route handlers from it): the origin request's headers, the call through the
 * service's decorator stack, and the answer as the client must see it.
 */
import type { Context } from 'hono'
import { identityHeaderEntries } from '../auth/identity-headers'
import { endpointOf } from '../endpoint/lookup'
import type { RouteSpec } from '../endpoint/types'
import { PROBLEM_CONTENT_TYPE, ProblemError } from '../../wire/problem'
import { clientPath, problems } from '../problem'
import type { GatewayEnv } from '../types'
import type { Registry } from '../upstream/registry'
import type { CallContext } from '../upstream/types'
import { essence } from '../versioning/media-type'
import { originBody } from './body'
import { fieldsWithoutHopByHop, type HeaderFields, upstreamRequestFields } from './headers'
import { rawQuery, schemeAndHost } from './path'
import { relayOriginSocket } from './websocket'

/** What every handler that calls an origin needs. */
export interface ProxyOptions {
  registry: Registry
  gatewayName: string
  clientIp: (c: Context<GatewayEnv>) => string | undefined
  waitUntil: (c: Context<GatewayEnv>, promise: Promise<unknown>) => void
}

/**
 * Headers for a call to an origin on behalf of this request: the client's, cleaned
 * (src/proxy/headers.ts), plus the request id and the verified caller's identity.
 */
export function originRequestHeaders(
  c: Context<GatewayEnv>,
  options: Pick<ProxyOptions, 'clientIp' | 'gatewayName'>,
): Headers {
  return new Headers(originRequestFields(c, options, ORIGIN_SET).init())
}

/** Names {@link originRequestFields} writes itself besides the forwarding ones: a client's values are left out. */
const ORIGIN_SET: ReadonlySet<string> = new Set(['x-request-id'])
/** The same, for a request whose body goes as bytes: fetch gives it its length. */
const ORIGIN_SET_BYTES: ReadonlySet<string> = new Set([...ORIGIN_SET, 'content-length'])

/** {@link originRequestHeaders} as fields, for the one Request built from them. */
function originRequestFields(
  c: Context<GatewayEnv>,
  options: Pick<ProxyOptions, 'clientIp' | 'gatewayName'>,
  replaced: ReadonlySet<string>,
): HeaderFields {
  const { scheme, host } = schemeAndHost(c.req.url)
  const fields = upstreamRequestFields(
    c.req.raw.headers,
    { clientIp: options.clientIp(c), proto: scheme, host, gatewayName: options.gatewayName },
    replaced,
  )
  fields.append('x-request-id', c.get('requestId'))
  for (const [name, value] of identityHeaderEntries(c.get('identity'))) fields.append(name, value)
  return fields
}

/**
 * Sends the request to the route's service at the same normalized path it was
 * routed on (or at the route's caller-relative `originPath`), with the verified
 * caller's identity headers. The target host is fixed by the registry, never taken
 * from the client. One Request goes out and one Response comes back, each built once
 * from header fields (no Headers copied on the way).
 */
export async function forward(
  c: Context<GatewayEnv>,
  spec: RouteSpec,
  originPath: string,
  options: ProxyOptions,
  /** Public path prefix of the route (`/api/v2`): origin-relative `Location`s get it back. */
  publicPrefix = '',
): Promise<Response> {
  // Framed as the client framed it: `Content-Length` stays `Content-Length` (src/proxy/body.ts).
  const { body, duplex } = await originBody(c.req.raw)
  // Bytes get their length from fetch; a stale header from a layer that rewrote them must not win.
  const headers = originRequestFields(c, options, body !== undefined && !duplex ? ORIGIN_SET_BYTES : ORIGIN_SET)
  // A WebSocket route hands the upgrade on: the origin answers the handshake.
  if (spec.stream === 'websocket' && c.req.header('upgrade')?.toLowerCase() === 'websocket') {
    headers.append('upgrade', 'websocket')
  }
  // `URL.search`: the query with its `?`, nothing for an empty one.
  const query = rawQuery(c.req.url)
  // The first attempt aborts through the Request's own signal: no copy of it to carry another.
  const requestAbort = requestKeepsSignal() ? new AbortController() : undefined
  const request = new Request(`http://${spec.service}.internal${originPath}${query && `?${query}`}`, {
    method: c.req.method,
    headers: headers.init(),
    body,
    redirect: 'manual',
    signal: requestAbort?.signal,
    ...(duplex && { duplex }),
  } as RequestInit)

  const response = await callUpstream(c, spec, request, options, requestAbort)
  const responseHeaders = fieldsWithoutHopByHop(response.headers, { internal: true })
  const location = responseHeaders.get('location')
  // The origin names its own path (`/orders/7`); the client knows it as `/api/v2/orders/7`.
  if (publicPrefix && location?.startsWith('/') && !location.startsWith('//')) {
    responseHeaders.set('location', publicPrefix + location)
  }
  // The origin accepted a WebSocket: the socket itself is relayed (Workers), or bridged (Deno).
  if (response.status === 101 && response.webSocket) {
    return new Response(null, { status: 101, webSocket: response.webSocket, headers: responseHeaders.init() })
  }
  if (spec.stream === 'websocket') {
    const bridged = relayOriginSocket(c.req.raw, response)
    if (bridged) return bridged
  }
  if (essence(responseHeaders.get('content-type') ?? '') === PROBLEM_CONTENT_TYPE) {
    return originProblem(response, new Headers(responseHeaders.init()), clientPath(c))
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: responseHeaders.init(),
  })
}

let keepsSignal: boolean | undefined

/**
 * Whether a Request keeps the very signal it was built with (workerd's does; Node's and
 * Deno's follow it with one of their own). Only then can a service binding be handed the
 * Request as it is, its signal the first attempt's (`CallContext.requestAbort`); elsewhere
 * a signal on it would be one more to follow, for nothing.
 */
function requestKeepsSignal(): boolean {
  if (keepsSignal === undefined) {
    const probe = new AbortController()
    keepsSignal = new Request('http://probe.internal/', { signal: probe.signal }).signal === probe.signal
  }
  return keepsSignal
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
  /** The controller of `request`'s own signal, if it was built with one for this call (`CallContext.requestAbort`). */
  requestAbort?: AbortController,
): Promise<Response> {
  const upstream = options.registry.get(spec.service)
  if (!upstream) throw ProblemError.of(problems.badGateway(spec.service, 'Service is not configured.'))
  c.set('upstream', spec.service)
  const ctx: CallContext = {
    service: spec.service,
    route: endpointOf(c)?.template ?? spec.path,
    requestId: c.get('requestId'),
    trace: c.get('trace'),
    caller: c.get('identity')?.sub,
    signal: c.req.raw.signal,
    waitUntil: (promise) => options.waitUntil(c, promise),
    timeouts: spec.timeout,
    idempotencyKey: c.get('idempotencyKey'),
    stream: spec.stream !== undefined,
    requestAbort,
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
