import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../types'
import { codeOfStatus, protocolOf, rpcErrorResponse } from './protocol'

/**
 * Under `/rpc/*`, every problem+json the gateway answers (auth 401/403, rate limit 429,
 * body cap 413, open breaker 503, timeout 504, no such procedure 404 …) is rewritten
 * into the caller's RPC protocol: Connect error JSON, or gRPC-web trailers. Mounted
 * before the hygiene, auth and limit middleware, so it sees all of their answers.
 * Answers from the origin (already Connect or gRPC-web) pass untouched.
 *
 * @example
 * ```ts
 * app.use('/rpc/*', rpcErrors())
 * ```
 */
export function rpcErrors(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await next()
    const res = c.res
    if (!(res.headers.get('content-type') ?? '').startsWith('application/problem+json')) return
    const problem = (await res.json().catch(() => ({}))) as { detail?: unknown; title?: unknown }
    const message = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : ''
    const headers = new Headers(res.headers)
    headers.delete('content-type')
    headers.delete('content-length')
    c.res = undefined
    c.res = rpcErrorResponse(protocolOf(c.req.raw), { code: codeOfStatus(res.status), message }, res.status, headers)
  }
}
