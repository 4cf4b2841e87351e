import type { Logger } from './log'

/** Per-request values the middleware chain shares through Hono's context. */
export interface GatewayVariables {
  requestId: string
  /** Logger bound to this request (request id, later trace id). */
  logger: Logger
  /** Route template the request matched (`/api/v2/users/:id`). */
  routeTemplate?: string
  /** Service the request was sent to, for the access log. */
  upstream?: string
  /** The verified caller (set by auth; absent for anonymous requests). */
  identity?: { sub: string; scopes: string[]; claims: Record<string, unknown> }
  /** The rate limiter's decision, for logs and traces. */
  rateLimit?: { outcome: string; policies: string[]; violated?: string[] }
}

export interface GatewayEnv {
  Bindings: object | undefined
  Variables: GatewayVariables
}
