import type { LogFields, Logger } from './log'

/** Per-request values the middleware chain shares through Hono's context. */
export interface GatewayVariables {
  requestId: string
  /** Logger bound to this request (request id, later trace id). */
  logger: Logger
  /** Fields every line of the request's logger carries, set before the logger is made (trace ids). */
  logFields?: LogFields
  /** Route template the request matched (`/api/v2/users/:id`). */
  routeTemplate?: string
  /** Service the request was sent to, for the access log. */
  upstream?: string
}

export interface GatewayEnv {
  Bindings: object | undefined
  Variables: GatewayVariables
}
