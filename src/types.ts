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
  /** The verified caller (set by the auth middleware); absent for anonymous requests. */
  identity?: Identity
}

/** Who a verified token says the caller is. */
export interface Identity {
  sub: string
  scopes: string[]
  claims: Record<string, unknown>
}

export interface GatewayEnv {
  Bindings: object | undefined
  Variables: GatewayVariables
}
