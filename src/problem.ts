/**
 * The problems the gateway itself answers with, as RFC 9457 documents. The shape, the
 * type base and `ProblemError` are the wire module's (wire/problem.ts), shared with the
 * origins.
 */
import { problemType, type Problem } from '../wire/problem'

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
