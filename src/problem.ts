/**
 * RFC 9457 problem details: the one shape of every error the gateway makes.
 * `type` is a stable URI per kind of problem so clients can branch on it.
 */
export const PROBLEM_BASE = 'https://switchyard.example/problems'

export interface Problem {
  type?: string
  title: string
  status: number
  detail?: string
  instance?: string
  [extension: string]: unknown
}

export function problemType(slug: string): string {
  return `${PROBLEM_BASE}#${slug}`
}

/** Builds an `application/problem+json` response; `headers` adds e.g. `Retry-After`. */
export function problemResponse(problem: Problem, headers?: HeadersInit): Response {
  const body: Problem = { type: 'about:blank', ...problem }
  const res = new Response(JSON.stringify(body), {
    status: problem.status,
    headers,
  })
  res.headers.set('Content-Type', 'application/problem+json')
  res.headers.set('Cache-Control', 'no-store')
  return res
}

/** An error that carries its own problem document up to the error handler. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers?: HeadersInit,
  ) {
    super(problem.detail ?? problem.title)
    this.name = 'ProblemError'
  }

  toResponse(instance?: string): Response {
    return problemResponse({ instance, ...this.problem }, this.headers)
  }
}

export const problems = {
  badRequest: (detail: string, extra: Record<string, unknown> = {}): Problem => ({
    type: problemType('bad-request'),
    title: 'Bad Request',
    status: 400,
    detail,
    ...extra,
  }),
  notFound: (detail = 'No route matches this path.'): Problem => ({
    type: problemType('not-found'),
    title: 'Not Found',
    status: 404,
    detail,
  }),
  methodNotAllowed: (allowed: string[]): Problem => ({
    type: problemType('method-not-allowed'),
    title: 'Method Not Allowed',
    status: 405,
    detail: `Allowed methods: ${allowed.join(', ')}.`,
    allowed,
  }),
  payloadTooLarge: (limit: number): Problem => ({
    type: problemType('payload-too-large'),
    title: 'Payload Too Large',
    status: 413,
    detail: `Request bodies are limited to ${limit} bytes.`,
    limit,
  }),
  badGateway: (service: string, detail: string): Problem => ({
    type: problemType('bad-gateway'),
    title: 'Bad Gateway',
    status: 502,
    detail,
    service,
  }),
  unavailable: (detail: string, extra: Record<string, unknown> = {}): Problem => ({
    type: problemType('service-unavailable'),
    title: 'Service Unavailable',
    status: 503,
    detail,
    ...extra,
  }),
  gatewayTimeout: (service: string, detail: string): Problem => ({
    type: problemType('gateway-timeout'),
    title: 'Gateway Timeout',
    status: 504,
    detail,
    service,
  }),
  internal: (): Problem => ({
    type: problemType('internal'),
    title: 'Internal Server Error',
    status: 500,
    detail: 'The gateway failed to handle this request; the request id identifies it in the logs.',
  }),
}
