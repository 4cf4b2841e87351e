/**
 * Fault injection for dev and tests. Inert unless `env.FAULT_INJECTION === "enabled"`:
 * then the control routes below exist and the configured fault applies; otherwise they
 * answer 404 and no request is touched.
 *
 * Control (outside the OpenAPI document):
 * - `PUT /__faults` `{ mode, status?, format?, delayMs?, retryAfter?, times?, paths? }`
 * - `GET /__faults` the current fault, `DELETE /__faults` back to `none`
 * - `GET /__faults/stats` `{ requests, aborted, byPath, lastHeaders }` (credential values redacted), `DELETE /__faults/stats` resets
 *
 * Modes: `status` answers problem+json with `status` (default 500, `Retry-After` when
 * `retryAfter` is set; `format: "text"` sends a plain HTML error page instead, as a
 * crashed server or a proxy would); `hang` never answers (until the caller aborts); `delay` waits
 * `delayMs` then serves normally; `close` sends 200 headers and a partial body, then errors
 * the body stream: over a service binding the caller's fetch() resolves and reading the
 * body rejects; `wrangler dev`'s HTTP proxy instead retries and answers 500 "Network
 * connection lost". `delayMs` also delays `status`, `hang` and `close`. A `hang` ends when
 * the caller aborts (needs the `enable_request_signal` compatibility flag).
 * `times` limits the fault to the next N matching requests; `paths` is a path prefix.
 * Work that is not a request has a path of its own, faulted only when `paths` names it:
 * `/__events/<Type>` handling an event (it throws, so the message is retried) and
 * `/__relay/<subscriber>` sending the outbox to a subscriber's queue (the send fails).
 * `aborted` counts requests the caller cancelled before they were answered (a timeout
 * upstream reaching the origin).
 * Health probes are exempt unless `paths` starts with `/health`.
 *
 * State lives in module scope, so it is per isolate (one per Worker in `wrangler dev`).
 *
 * @example
 * ```ts
 * await fetch(`${origin}/__faults`, {
 *   method: 'PUT',
 *   headers: { 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ mode: 'status', status: 503, times: 2 }),
 * })
 * ```
 */
import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { ProblemError, problemResponse, problemResponses } from './problem'
import { json } from './schemas'
import type { OriginBindings } from './types'

const FaultConfig = z.strictObject({
  mode: z.enum(['none', 'status', 'hang', 'delay', 'close']),
  status: z.number().int().min(400).max(599).optional(),
  format: z.enum(['problem', 'text']).optional(),
  delayMs: z.number().int().min(0).max(300_000).optional(),
  retryAfter: z.number().int().min(0).optional(),
  times: z.number().int().min(1).optional(),
  paths: z.string().startsWith('/').optional(),
})
type FaultConfig = z.infer<typeof FaultConfig>

const NONE: FaultConfig = { mode: 'none' }
let fault: FaultConfig = NONE
let stats = emptyStats()

function emptyStats() {
  return { requests: 0, aborted: 0, byPath: {} as Record<string, number> }
}
/** The last counted request's headers, as received; redacted when the stats are read. */
let lastHeaders: Headers | undefined

const enabled = (env: OriginBindings | undefined) => env?.FAULT_INJECTION === 'enabled'
const isControl = (path: string) => path === '/__faults' || path.startsWith('/__faults/')
const isHealth = (path: string) => path.startsWith('/health/')

/** The fault for this request, if any; consumes one of `times`. */
function take(path: string): FaultConfig | null {
  const f = fault
  if (f.mode === 'none') return null
  if (f.paths && !path.startsWith(f.paths)) return null
  if (isHealth(path) && !f.paths?.startsWith('/health')) return null
  if (f.times !== undefined) fault = f.times > 1 ? { ...f, times: f.times - 1 } : NONE
  return f
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Never settles unless the request is aborted. The interval keeps an event pending:
 * workerd cancels a request with nothing left to wait on ("code had hung and would
 * never generate a response") at once, which would be an error, not a hang.
 */
function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const keepAlive = setInterval(() => {}, 10_000)
    const onAbort = () => {
      clearInterval(keepAlive)
      reject(signal.reason ?? new Error('request aborted'))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The fault for work that is not a request (`/__events/OrderCancelled`, `/__relay/orders`),
 * if one was set for it: only a fault whose `paths` starts with `/__` applies, so
 * request faults never touch queue handling. Consumes one of `times`.
 */
export function internalFault(env: OriginBindings | undefined, path: string): FaultConfig | null {
  if (!enabled(env) || !fault.paths?.startsWith('/__') || !path.startsWith(fault.paths)) return null
  return take(path)
}

/** 200 with a truncated JSON body whose stream then errors: a connection dropped mid-response. */
function droppedConnection(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"data":['))
    },
    // Runs once the first chunk has been consumed.
    pull(controller) {
      controller.error(new Error('connection dropped by fault injection'))
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } })
}

/** Headers that carry a credential: shown as present, never echoed (anyone may read the stats). */
const CREDENTIAL = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$|token|secret|password/i

/** The request's headers for `/__faults/stats`, credential values replaced by `[redacted]`. */
export function redactCredentials(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].map(([name, value]) => [name, CREDENTIAL.test(name) ? '[redacted]' : value]))
}

/** Counts every non-control, non-health request and applies the configured fault. */
export function faultInjection<B extends OriginBindings>(): MiddlewareHandler<{ Bindings: B }> {
  return async (c, next) => {
    const path = c.req.path
    if (!enabled(c.env) || isControl(path)) return next()
    if (!isHealth(path)) {
      stats.requests += 1
      stats.byPath[path] = (stats.byPath[path] ?? 0) + 1
      // A copy (cheap from a Headers); redacting on every request would cost each one a
      // walk and a match per header, more for callers that send more headers.
      lastHeaders = new Headers(c.req.raw.headers)
    }
    const f = take(path)
    if (!f) return next()
    const signal = c.req.raw.signal
    const countAbort = () => {
      stats.aborted += 1
    }
    signal.addEventListener('abort', countAbort, { once: true })
    try {
      return await applyFault(f, path, signal, next)
    } finally {
      signal.removeEventListener('abort', countAbort)
    }
  }
}

/** Answers as the fault says; `next` serves the request normally (after a delay). */
async function applyFault(f: FaultConfig, path: string, signal: AbortSignal, next: () => Promise<void>) {
  if (f.delayMs) await sleep(f.delayMs, signal)
  switch (f.mode) {
    case 'delay':
      return next()
    case 'hang':
      return hang(signal)
    case 'close':
      return droppedConnection()
    default: {
      const headers: Record<string, string> = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {}
      if (f.format === 'text') return rawErrorPage(f.status ?? 500, headers)
      return problemResponse({
        status: f.status ?? 500,
        type: 'injected-fault',
        title: 'Injected fault',
        detail: 'This response was produced by fault injection.',
        instance: path,
        headers,
      })
    }
  }
}

/** A bare HTML error page, as a crashed server or a proxy in front of it would send. */
function rawErrorPage(status: number, headers: Record<string, string>): Response {
  return new Response(`<html><body><h1>${status} Server Error</h1></body></html>`, {
    status,
    headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
  })
}

const requireEnabled: MiddlewareHandler<{ Bindings: OriginBindings }> = async (c, next) => {
  if (!enabled(c.env)) {
    throw new ProblemError({ status: 404, type: 'not-found', title: 'Resource not found', detail: `No route for ${c.req.method} ${c.req.path}.` })
  }
  await next()
}

const Stats = z.object({
  requests: z.number().int(),
  aborted: z.number().int(),
  byPath: z.record(z.string(), z.number().int()),
  lastHeaders: z.record(z.string(), z.string()),
})
const Fault = { 200: { description: 'The current fault', content: json(FaultConfig) } }
const route = <P extends string, R extends RouteConfig['responses']>(method: 'get' | 'delete', path: P, responses: R) =>
  createRoute({ method, path, hide: true, middleware: requireEnabled, responses })

export function mountFaultControl<B extends OriginBindings>(app: OpenAPIHono<{ Bindings: B }>): void {
  const put = createRoute({
    method: 'put',
    path: '/__faults',
    hide: true,
    middleware: requireEnabled,
    request: { body: { required: true, content: json(FaultConfig) } },
    responses: { ...Fault, ...problemResponses(400, 404) },
  })
  app.openapi(put, (c) => {
    const f = c.req.valid('json')
    fault = f.mode === 'none' ? NONE : f
    return c.json(fault, 200)
  })
  const Counters = { 200: { description: 'Request counters', content: json(Stats) } }
  app.openapi(route('get', '/__faults', Fault), (c) => c.json(fault, 200))
  app.openapi(route('delete', '/__faults', Fault), (c) => {
    fault = NONE
    return c.json(fault, 200)
  })
  const counters = () => ({ ...stats, lastHeaders: lastHeaders ? redactCredentials(lastHeaders) : {} })
  app.openapi(route('get', '/__faults/stats', Counters), (c) => c.json(counters(), 200))
  app.openapi(route('delete', '/__faults/stats', Counters), (c) => {
    stats = emptyStats()
    lastHeaders = undefined
    return c.json(counters(), 200)
  })
}
