/**
 * RFC 9457 problem details at the origins: the error handlers, zod validation issues
 * as a problem, and the OpenAPI schema of a problem. The shape, the type base and
 * `ProblemError` are the wire module's (wire/problem.ts), shared with the gateway.
 *
 * @example
 * ```ts
 * throw new ProblemError({ status: 404, type: 'not-found', detail: 'User 7 does not exist.' })
 * ```
 */
import { z } from '@hono/zod-openapi'
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ZodError } from 'zod'
import { traceLogFields } from '../../wire/tracing/log-fields'
import { ProblemError, problemResponse, problemType, type ProblemInit } from '../../wire/problem'


export { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, ProblemError, problemBody, problemResponse, type ProblemInit } from '../../wire/problem'
const TARGETS: Record<string, string> = { param: 'path', json: 'body', query: 'query', header: 'header', form: 'body' }

const pointer = (path: PropertyKey[]) =>
  path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('')

/** 400 problem listing every zod issue as an `errors` member (`in`, JSON `pointer`, `detail`, `code`). */
export function validationProblem(error: ZodError, target: string, instance?: string): ProblemInit {
  return {
    status: 400,
    type: 'validation-error',
    title: 'Invalid request',
    detail: `The request ${TARGETS[target] ?? target} failed validation.`,
    instance,
    extensions: {
      errors: error.issues.map((i) => ({
        in: TARGETS[target] ?? target,
        pointer: pointer(i.path),
        detail: i.message,
        code: i.code,
      })),
    },
  }
}

export const notFoundProblem = (what: string, id: string | number): ProblemError =>
  new ProblemError({ status: 404, type: 'not-found', title: 'Resource not found', detail: `${what} ${id} does not exist.` })

export const onError: ErrorHandler = (err, c) => {
  const instance = c.req.path
  if (err instanceof ProblemError) return problemResponse({ instance, ...err.init })
  if (err instanceof HTTPException) {
    // Raised by Hono's validators: malformed JSON (400), wrong Content-Type (415).
    const type = err.status === 400 ? 'malformed-request' : err.status === 415 ? 'unsupported-media-type' : 'http-error'
    return problemResponse({ status: err.status, type, detail: err.message || undefined, instance })
  }
  // The caller went away (a client disconnect, or the gateway gave up on this attempt):
  // not a fault of this origin, and nobody is left to answer.
  if (c.req.raw.signal.aborted) {
    console.log(JSON.stringify({ level: 'info', msg: 'request aborted by the caller', path: instance, ...traceLogFields() }))
    return new Response(null, { status: 499 })
  }
  // Full error to the log only; the client never sees a stack.
  console.error(
    JSON.stringify({
      level: 'error',
      msg: 'unhandled error',
      path: instance,
      ...traceLogFields(),
      error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    }),
  )
  return problemResponse({ status: 500, type: 'internal-error', detail: 'An unexpected error occurred.', instance })
}

export const notFound: NotFoundHandler = (c: Context) =>
  problemResponse({
    status: 404,
    type: 'not-found',
    title: 'Resource not found',
    detail: `No route for ${c.req.method} ${c.req.path}.`,
    instance: c.req.path,
  })

export const ProblemSchema = z
  .looseObject({
    type: z.string().openapi({ example: problemType('not-found') }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .openapi('Problem')

const DESCRIPTIONS = {
  400: 'Invalid input (validation errors listed in `errors`) or malformed JSON',
  401: 'The request carried no verified caller (the gateway forwards one for every token)',
  403: "The caller may not act on this user's data",
  404: 'Resource not found',
  409: 'Conflict with the current state of the resource',
  415: 'Request body is not JSON',
  422: 'Request is well-formed but cannot be processed',
  502: 'A dependency failed',
  503: 'Service unavailable',
} as const
type ProblemStatus = keyof typeof DESCRIPTIONS
type ProblemResponse = {
  description: string
  content: { 'application/problem+json': { schema: typeof ProblemSchema } }
}

/** OpenAPI `responses` entries for the given error statuses. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): { [K in S]: ProblemResponse } {
  const out = {} as { [K in S]: ProblemResponse }
  for (const s of statuses) {
    out[s] = { description: DESCRIPTIONS[s], content: { 'application/problem+json': { schema: ProblemSchema } } }
  }
  return out
}
