/**
 * REST → Connect transcoding, in the spirit of Envoy's gRPC-JSON transcoder and
 * `google.api.http`: a route-table entry with `rpc` is answered by calling that RPC.
 *
 * - Request message: path parameters, then query parameters, by field name (proto or
 *   JSON spelling); a repeated field takes repeated parameters or comma-separated
 *   values. Unknown or malformed parameters → 400 problem, the origin is not called.
 * - Wire: Connect with binary protobuf, through the service's Upstream (breaker,
 *   deadline, retries, tracing, timeouts, balancing, coalescing). A method declared
 *   `NO_SIDE_EFFECTS` goes as a Connect GET, so it is retried and coalesced as any GET
 *   is; others as POST, never retried.
 * - Answer: the response message as JSON with proto field names and every field
 *   present (`on_hand: 0`), or one field of it (`responseBody`); a Connect error
 *   becomes the HTTP status of its code and an RFC 9457 problem naming the code.
 */
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type DescMethod, type JsonObject } from '@bufbuild/protobuf'
import { base64Encode } from '@bufbuild/protobuf/wire'
import { Code } from '@connectrpc/connect'
import type { Context } from 'hono'
import type { RouteSpec, RpcServiceSpec } from '../endpoint/types'
import { callUpstream, originRequestHeaders, type ProxyOptions } from '../proxy/forward'
import { downstreamResponseHeaders } from '../proxy/headers'
import { ProblemError, problemType, statusTitle } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'
import { rpcMethod, sideEffectFree } from './methods'
import { codeFromString, codeToString, statusOfCode } from './protocol'

type RpcRoute = RouteSpec & { rpc: NonNullable<RouteSpec['rpc']> }

/**
 * Builds the handler of one transcoded route, once, at mount time: an unknown RPC or a
 * path parameter that names no field of its request is a configuration error.
 */
export function transcoder(
  spec: RpcRoute,
  options: ProxyOptions,
  services: readonly RpcServiceSpec[],
): (c: Context<GatewayEnv>) => Promise<Response> {
  const procedure = `${spec.rpc.service}/${spec.rpc.method}`
  const method = rpcMethod(services, procedure)
  if (!method) throw new Error(`route ${spec.method} ${spec.path}: no RPC ${procedure}`)
  for (const [, name] of spec.path.matchAll(/:(\w+)/g)) {
    if (!fieldOf(method.input, name!)) throw new Error(`route ${spec.method} ${spec.path}: ${method.input.typeName} has no field ${name}`)
  }
  const responseBody = spec.rpc.responseBody
  if (responseBody !== undefined && !fieldOf(method.output, responseBody)) {
    throw new Error(`route ${spec.method} ${spec.path}: ${method.output.typeName} has no field ${responseBody}`)
  }

  return async (c) => {
    const message = requestMessage(method.input, c.req.param(), new URL(c.req.url).searchParams)
    const response = await callUpstream(c, spec, connectRequest(c, spec.service, method, message, options), options)
    const type = response.headers.get('content-type') ?? ''
    if (response.status === 200 && type.startsWith('application/proto')) {
      const output = fromBinary(method.output, new Uint8Array(await response.arrayBuffer()))
      const json = toJson(method.output, output, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject
      const body = responseBody === undefined ? json : json[fieldOf(method.output, responseBody)!.name]
      return c.json(body ?? null, 200)
    }
    // The gateway's own problems (open breaker, timeout, a crashed origin) pass as they are.
    if (type.startsWith('application/problem+json')) {
      return new Response(response.body, { status: response.status, headers: downstreamResponseHeaders(response.headers) })
    }
    throw await connectProblem(response, spec.service)
  }
}

function fieldOf(desc: DescMessage, name: string) {
  return desc.fields.find((f) => f.name === name || f.jsonName === name)
}

/** The request message from path parameters and query, as proto3 JSON parses it. */
function requestMessage(desc: DescMessage, params: Record<string, string>, query: URLSearchParams) {
  const json: JsonObject = {}
  for (const [name, value] of Object.entries(params)) json[fieldOf(desc, name)!.jsonName] = value
  for (const name of new Set(query.keys())) {
    const field = fieldOf(desc, name)
    if (!field || field.fieldKind === 'message' || field.fieldKind === 'map' || (field.fieldKind === 'list' && field.listKind === 'message')) {
      throw ProblemError.of(problems.badRequest(`Unknown query parameter "${name}".`, { parameter: name }))
    }
    if (field.jsonName in json) throw ProblemError.of(problems.badRequest(`"${name}" is already set by the path.`, { parameter: name }))
    const values = query.getAll(name)
    if (field.fieldKind === 'list') json[field.jsonName] = values.flatMap((v) => v.split(','))
    else if (values.length > 1) throw ProblemError.of(problems.badRequest(`Query parameter "${name}" is repeated.`, { parameter: name }))
    else json[field.jsonName] = values[0] === 'true' ? true : values[0] === 'false' ? false : values[0]!
  }
  try {
    return fromJson(desc, json)
  } catch (err) {
    throw ProblemError.of(problems.badRequest(err instanceof Error ? err.message : 'The parameters do not form a valid request.'))
  }
}

/** A Connect unary call in binary: GET for side-effect-free methods, else POST. */
function connectRequest(
  c: Context<GatewayEnv>,
  service: string,
  method: DescMethod,
  message: ReturnType<typeof fromJson>,
  options: ProxyOptions,
): Request {
  const bytes = toBinary(method.input, message)
  const path = `/${method.parent.typeName}/${method.name}`
  const headers = originRequestHeaders(c, options)
  for (const name of ['content-type', 'content-length', 'content-encoding', 'accept', 'accept-encoding']) headers.delete(name)
  headers.set('connect-protocol-version', '1')
  if (sideEffectFree(method)) {
    const query = new URLSearchParams({ connect: 'v1', encoding: 'proto', base64: '1', message: base64Encode(bytes, 'url') })
    return new Request(`http://${service}.internal${path}?${query}`, { method: 'GET', headers, redirect: 'manual' })
  }
  headers.set('content-type', 'application/proto')
  return new Request(`http://${service}.internal${path}`, { method: 'POST', headers, body: bytes, redirect: 'manual' })
}

/** A Connect error answer as a problem: the code's HTTP status, the code as `rpc_code`. */
async function connectProblem(response: Response, service: string): Promise<ProblemError> {
  const error = (await response.json().catch(() => undefined)) as { code?: unknown; message?: unknown } | undefined
  const code = (typeof error?.code === 'string' ? codeFromString(error.code) : undefined) ?? Code.Unknown
  const status = statusOfCode(code)
  const name = codeToString(code)
  return ProblemError.of({
    type: problemType(name.replace(/_/g, '-')),
    title: statusTitle(status) ?? 'Error',
    status,
    detail: typeof error?.message === 'string' ? error.message : `The ${service} service answered ${name}.`,
    rpc_code: name,
  })
}
