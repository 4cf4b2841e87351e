import type { MiddlewareHandler } from 'hono'
import { cors as honoCors } from 'hono/cors'
import type { CorsPolicy } from '../src/cors/policy'
import { endpointOf } from '../src/endpoint/lookup'
import type { GatewayEnv } from '../src/types'
import { appendVary, editResponseHeaders } from './response-headers'

export interface CorsOptions {
  /** The policy of requests no endpoint matches (src/cors/policy.ts: `compilePolicy(config.cors)`). */
  global: CorsPolicy
}

/**
 * CORS per path: the policy of the request's endpoint (`endpointOf(c).cors`: a preflight
 * finds its path's 405 endpoint, whose policy is the path's), else the global one;
 * preflights through Hono's own `cors()` (one instance per policy). Placed
 * before auth and rate limits: a preflight (OPTIONS with `Access-Control-Request-Method`)
 * is answered 204 here and is neither authenticated nor counted; every answer carries
 * `Vary: Origin`, and an origin the policy does not allow gets no
 * `Access-Control-Allow-Origin` (nor any other CORS header). Errors thrown further in
 * (401, 429, …) keep the headers set here, so a browser can read them.
 *
 * @example
 * ```ts
 * app.use(cors({ global: compilePolicy(config.cors) }))
 * ```
 */
export function cors(options: CorsOptions): MiddlewareHandler<GatewayEnv> {
  const handlers = new Map<CorsPolicy, MiddlewareHandler<GatewayEnv>>()
  const handlerFor = (policy: CorsPolicy) => {
    let handler = handlers.get(policy)
    if (!handler) {
      handler = honoCors({
        // A function, even for `*`: the answer then always varies by Origin.
        origin: (origin) => policy.allowOrigin(origin),
        allowMethods: policy.methods,
        allowHeaders: policy.allowHeaders,
        exposeHeaders: policy.exposeHeaders,
        credentials: policy.credentials,
        maxAge: policy.maxAgeSeconds,
      })
      handlers.set(policy, handler)
    }
    return handler
  }
  return async (c, next) => {
    const origin = c.req.header('origin')
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined
    const policy = endpointOf(c)?.cors ?? options.global
    const allowed = origin !== undefined && policy.allowOrigin(origin) !== null
    // A preflight from an allowed origin: Hono's cors() answers it (204, Vary: Origin).
    if (preflight && allowed) return handlerFor(policy)(c, next)
    // From an origin not allowed: 204 with no CORS header, so the browser refuses the call.
    if (preflight) return c.body(null, 204, { Vary: 'Origin' })
    // Any other request (Hono's cors() would take every OPTIONS for a preflight); set
    // after next(), so whatever answered (a route, a 401, a 429) carries the headers.
    await next()
    const expose = allowed && policy.exposeHeaders.length > 0 ? policy.exposeHeaders.join(',') : undefined
    editResponseHeaders(c, (headers) => {
      if (allowed) {
        headers.set('Access-Control-Allow-Origin', origin)
        if (policy.credentials) headers.set('Access-Control-Allow-Credentials', 'true')
        if (expose !== undefined) headers.set('Access-Control-Expose-Headers', expose)
      }
      appendVary(headers, ['Origin'])
    })
  }
}
