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
import { Code } from '@connectrpc/connect'
import type { Context } from 'hono'
import type { RpcServiceSpec } from '../endpoint/types'
import { callUpstream, type ProxyOptions } from '../proxy/forward'
import { downstreamResponseHeaders } from '../proxy/headers'
import { ProblemError, problemType, statusTitle } from '../../wire/problem'
import type { GatewayEnv } from '../types'
import { rpcProcedure } from './methods'
import { codeFromString, codeToString, statusOfCode } from './protocol'
import type { RpcRoute, TranscodeCodec } from './transcode-codec'

/**
 * Builds the handler of one transcoded route at mount time (an unknown RPC is a
 * configuration error). The messages' codec (src/rpc/transcode-codec.ts) is imported on
 * the route's first request and kept, so the fields a route names are checked then
 * (test/rpc-procedures.test.ts checks the shipped tables').
 */
export function transcoder(
  spec: RpcRoute,
  options: ProxyOptions,
  services: readonly RpcServiceSpec[],
): (c: Context<GatewayEnv>) => Promise<Response> {
  const procedure = `${spec.rpc.service}/${spec.rpc.method}`
  if (!rpcProcedure(services, procedure)) throw new Error(`route ${spec.method} ${spec.path}: no RPC ${procedure}`)
  let codec: Promise<TranscodeCodec> | undefined
  // A failed import is tried again on the next request; a route the codec refuses
  // (a path parameter or responseBody naming no field) stays refused, not re-checked.
  const loadCodec = () =>
    (codec ??= import('./transcode-codec').then(
      (m) => m.transcodeCodec(spec, services),
      (err: unknown) => {
        codec = undefined
        throw err
      },
    ))

  return async (c) => {
    const { request, answer } = await loadCodec()
    const response = await callUpstream(c, spec, request(c, options), options)
    const type = response.headers.get('content-type') ?? ''
    if (response.status === 200 && type.startsWith('application/proto')) {
      return c.json(answer(new Uint8Array(await response.arrayBuffer())), 200)
    }
    // The gateway's own problems (open breaker, timeout, a crashed origin) pass as they are.
    if (type.startsWith('application/problem+json')) {
      return new Response(response.body, { status: response.status, headers: downstreamResponseHeaders(response.headers) })
    }
    throw await connectProblem(response, spec.service)
  }
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
