import { problemType, type Problem } from '../../wire/problem'

/**
 * The problems of draft-ietf-httpapi-idempotency-key-header §2.7, as RFC 9457 documents.
 * Each names the header, so a client can tell them from the route's own errors.
 */
export const idempotencyProblems = {
  missing: (): Problem => ({
    type: problemType('idempotency-key-missing'),
    title: 'Idempotency-Key required',
    status: 400,
    detail: 'This operation requires an Idempotency-Key header, e.g. Idempotency-Key: "8e03978e-40d5".',
    header: 'Idempotency-Key',
  }),
  malformed: (detail: string): Problem => ({
    type: problemType('idempotency-key-malformed'),
    title: 'Malformed Idempotency-Key',
    status: 400,
    detail,
    header: 'Idempotency-Key',
  }),
  reused: (): Problem => ({
    type: problemType('idempotency-key-reused'),
    title: 'Idempotency-Key already used',
    status: 422,
    detail: 'This Idempotency-Key was used with another request (method, path or body). Use a new key for a new request.',
    header: 'Idempotency-Key',
  }),
  inFlight: (retryAfterSeconds: number): Problem => ({
    type: problemType('idempotency-request-in-progress'),
    title: 'Request in progress',
    status: 409,
    detail: 'The first request with this Idempotency-Key is still being processed. Retry later to get its answer.',
    header: 'Idempotency-Key',
    retry_after: retryAfterSeconds,
  }),
  unavailable: (retryAfterSeconds: number): Problem => ({
    type: problemType('idempotency-unavailable'),
    title: 'Service Unavailable',
    status: 503,
    detail: 'Idempotency keys cannot be checked right now, so the request was not processed. Retry later with the same key.',
    header: 'Idempotency-Key',
    retry_after: retryAfterSeconds,
  }),
}
