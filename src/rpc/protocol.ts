/**
 * The RPC wire protocols the gateway speaks at `/rpc/*`, as far as a proxy needs them:
 * which one a request uses, and how to say an error in it. Connect answers errors as
 * JSON (`{"code":"not_found","message":…}`); gRPC-web as a 200 whose body is a trailer
 * frame with `grpc-status` / `grpc-message`. Never problem+json (docs/architecture.md).
 *
 * The wire pieces come from @connectrpc/connect's protocol modules (code names, trailer
 * serialization, envelopes); only the HTTP-status → code mapping of gateway problems is
 * ours, because a gateway's 404 on `/rpc/` means "no such procedure" (`unimplemented`).
 * The two trailer fields are set here too: Connect's `setTrailerStatus` takes a
 * `ConnectError`, whose module loads all of `@bufbuild/protobuf` and builds the
 * descriptor.proto registry in every cold isolate.
 */
import { Code } from '@connectrpc/connect'
import { encodeEnvelope } from '@connectrpc/connect/protocol'
import { codeFromString, codeToString } from '@connectrpc/connect/protocol-connect'
import { trailerFlag, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web'

export type RpcProtocol = 'connect' | 'grpc-web'

/** gRPC-web by its content type (`application/grpc-web`, `+proto`, `+json`); everything else is Connect. */
export function protocolOf(req: Request): RpcProtocol {
  return /^application\/grpc-web(?:\+|;|$)/i.test(req.headers.get('content-type') ?? '') ? 'grpc-web' : 'connect'
}

/** What a gateway problem's HTTP status means as an RPC status code. */
const CODE_OF_STATUS: Record<number, Code> = {
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  404: Code.Unimplemented,
  405: Code.Unimplemented,
  408: Code.DeadlineExceeded,
  409: Code.Aborted,
  413: Code.ResourceExhausted,
  415: Code.InvalidArgument,
  429: Code.ResourceExhausted,
  500: Code.Internal,
  501: Code.Unimplemented,
  502: Code.Unavailable,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded,
}

export function codeOfStatus(status: number): Code {
  return CODE_OF_STATUS[status] ?? (status >= 400 && status < 500 ? Code.InvalidArgument : Code.Unknown)
}

/** The HTTP status a Connect error code stands for (REST answers of transcoded routes). */
const STATUS_OF_CODE: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
}

export function statusOfCode(code: Code): number {
  return STATUS_OF_CODE[code] ?? 500
}

export { codeFromString, codeToString }

/**
 * An error response in the client's protocol. `status` is the HTTP status of a Connect
 * answer (the gateway keeps its own: 401, 429, 404 …; clients read the code from the
 * body); `headers` carries what still matters (`WWW-Authenticate`, `Retry-After`, `RateLimit*`).
 */
export function rpcErrorResponse(
  protocol: RpcProtocol,
  error: { code: Code; message: string },
  status: number,
  headers = new Headers(),
): Response {
  headers.set('cache-control', 'no-store')
  if (protocol === 'grpc-web') {
    // As setTrailerStatus writes them: the code as a number, the message percent-encoded.
    const trailer = new Headers({ 'grpc-status': String(error.code), 'grpc-message': encodeURIComponent(error.message) })
    headers.set('content-type', 'application/grpc-web+proto')
    return new Response(encodeEnvelope(trailerFlag, trailerSerialize(trailer)), { status: 200, headers })
  }
  headers.set('content-type', 'application/json')
  return new Response(JSON.stringify({ code: codeToString(error.code), message: error.message }), { status, headers })
}
