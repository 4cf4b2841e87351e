import type { Context as TraceContext } from '@opentelemetry/api'
import type { Endpoint } from './endpoint/types'
import type { Logger } from './log'
import type { Metrics } from './metrics'
import type { AppliedPolicy } from './ratelimit/policies'

/** The caller, as decided by a verified access token (middleware/auth.ts). */
export interface Identity {
  /** Token `sub`: the user id. */
  sub: string
  scopes: string[]
  roles: string[]
  /** Every claim of the verified token (e.g. a tier claim for rate limits). */
  claims: Record<string, unknown>
}

/** Per-request values the middleware chain shares through Hono's context. */
export interface GatewayVariables {
  requestId: string
  /** Logger bound to this request: its lines carry the request id and the server span's trace and span id. */
  logger: Logger
  /**
   * The request's trace context (its SERVER span and telemetry), set by
   * middleware/trace-context.ts; absent with tracing off. It is not the active context:
   * code that traces or logs for the request is handed it (see docs/architecture.md, Tracing).
   */
  trace?: TraceContext
  /** The request's endpoint once looked up (`endpointOf`, src/endpoint/lookup.ts); null: none. */
  endpoint?: Endpoint | null
  /** Service the request was sent to, for the access log. */
  upstream?: string
  /** Set by the auth middleware on a protected route; absent on public ones. */
  identity?: Identity
  /** API version negotiated for an `/api/...` request (`v2`). */
  apiVersion?: string
  /**
   * The response version negotiation already gave its version header and `Vary`, and
   * that header's name: middleware/version.ts's versionHeaders leaves that one be.
   */
  versionDecorated?: { response: Response; header: string }
  /** Failure partitions a login or refresh is checked against with its policies (middleware/auth-failures.ts). */
  failureChecks?: AppliedPolicy[]
  /** The rate limiter's decision, for logs and traces. */
  rateLimit?: { outcome: string; policies: string[]; violated?: string[] }
  /** The request's Idempotency-Key, once middleware/idempotency.ts holds it in the store. */
  idempotencyKey?: string
  /** The gateway's metrics, for one-line recording calls (middleware/metrics.ts). */
  metrics?: Metrics
}

export interface GatewayEnv {
  Bindings: object | undefined
  Variables: GatewayVariables
}
