/**
 * The message half of REST → Connect transcoding (src/rpc/transcode.ts): everything that
 * needs the RPC's descriptor, so `@bufbuild/protobuf` and gen/ load with it, on the first
 * transcoded request instead of in every cold isolate.
 */
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type DescMethod, type JsonObject, type JsonValue } from '@bufbuild/protobuf'
import { base64Encode } from '@bufbuild/protobuf/wire'
import type { Context } from 'hono'
import type { RouteSpec, RpcProcedure, RpcServiceSpec } from '../endpoint/types'
import { originRequestHeaders, type ProxyOptions } from '../proxy/forward'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'
import { rpcMethod, rpcProcedure, sideEffectFree } from './methods'

export type RpcRoute = RouteSpec & { rpc: NonNullable<RouteSpec['rpc']> }

/** One transcoded route's messages: its Connect request, and the JSON of its answer. */
export interface TranscodeCodec {
  request(c: Context<GatewayEnv>, options: ProxyOptions): Request
  answer(bytes: Uint8Array): JsonValue
}

/**
 * Loads the RPC's descriptor and checks the route against it: an unknown RPC or a path
 * parameter or `responseBody` that names no field of its messages is a configuration
 * error (test/rpc-procedures.test.ts checks every table's routes).
 */
export async function transcodeCodec(spec: RpcRoute, services: readonly RpcServiceSpec[]): Promise<TranscodeCodec> {
  const procedure = `${spec.rpc.service}/${spec.rpc.method}`
  const method = await rpcMethod(services, procedure)
  const declared = rpcProcedure(services, procedure)
  if (!method || !declared) throw new Error(`route ${spec.method} ${spec.path}: no RPC ${procedure}`)
  for (const [, name] of spec.path.matchAll(/:(\w+)/g)) {
    if (!fieldOf(method.input, name!)) throw new Error(`route ${spec.method} ${spec.path}: ${method.input.typeName} has no field ${name}`)
  }
  const responseBody = spec.rpc.responseBody
  const bodyField = responseBody === undefined ? undefined : fieldOf(method.output, responseBody)
  if (responseBody !== undefined && !bodyField) {
    throw new Error(`route ${spec.method} ${spec.path}: ${method.output.typeName} has no field ${responseBody}`)
  }
  return {
    request: (c, options) => {
      const message = requestMessage(method.input, c.req.param(), new URL(c.req.url).searchParams)
      return connectRequest(c, spec.service, method, declared, message, options)
    },
    answer: (bytes) => {
      const json = toJson(method.output, fromBinary(method.output, bytes), { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject
      return (bodyField ? json[bodyField.name] : json) ?? null
    },
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
  procedure: RpcProcedure,
  message: ReturnType<typeof fromJson>,
  options: ProxyOptions,
): Request {
  const bytes = toBinary(method.input, message)
  const path = `/${method.parent.typeName}/${method.name}`
  const headers = originRequestHeaders(c, options)
  for (const name of ['content-type', 'content-length', 'content-encoding', 'accept', 'accept-encoding']) headers.delete(name)
  headers.set('connect-protocol-version', '1')
  if (sideEffectFree(procedure)) {
    const query = new URLSearchParams({ connect: 'v1', encoding: 'proto', base64: '1', message: base64Encode(bytes, 'url') })
    return new Request(`http://${service}.internal${path}?${query}`, { method: 'GET', headers, redirect: 'manual' })
  }
  headers.set('content-type', 'application/proto')
  return new Request(`http://${service}.internal${path}`, { method: 'POST', headers, body: bytes, redirect: 'manual' })
}
