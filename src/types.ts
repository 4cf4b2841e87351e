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
  /** API version negotiated for an `/api/...` request (`v2`). */
  apiVersion?: string
}

export interface GatewayEnv {
  Bindings: object | undefined
  Variables: GatewayVariables
}
