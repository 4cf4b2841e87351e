/**
 * RFC 9457 problem details: the one error format every origin answers with.
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
import { traceLogFields } from '../../src/tracing/log-fields'

/** Base of every problem `type` URI; the fragment names the kind of problem. */
export const PROBLEM_BASE = 'https://switchyard.example/problems#'
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

export interface ProblemInit {
  status: number
  /** Short slug appended to PROBLEM_BASE; omitted means `about:blank`. */
  type?: string | undefined
  title?: string | undefined
  detail?: string | undefined
  instance?: string | undefined
  /** Extension members, merged into the top level of the body. */
  extensions?: Record<string, unknown> | undefined
  headers?: Record<string, string> | undefined
}

/** Thrown from handlers; the error handler renders it as problem+json. */
export class ProblemError extends Error {
  constructor(readonly init: ProblemInit) {
    super(init.detail ?? init.title ?? TITLES[init.status] ?? `HTTP ${init.status}`)
    this.name = 'ProblemError'
  }
}

const CORE = new Set(['type', 'title', 'status', 'detail', 'instance'])

export function problemBody(init: ProblemInit): Record<string, unknown> {
  const { status, type, title, detail, instance, extensions = {} } = init
  return {
    type: type ? PROBLEM_BASE + type : 'about:blank',
    title: title ?? TITLES[status] ?? 'Error',
    status,
    ...(detail !== undefined && { detail }),
    ...(instance !== undefined && { instance }),
    // An extension can never overwrite a core member.
    ...Object.fromEntries(Object.entries(extensions).filter(([name]) => !CORE.has(name))),
  }
}

export function problemResponse(init: ProblemInit): Response {
  return new Response(JSON.stringify(problemBody(init)), {
    status: init.status,
    headers: { ...init.headers, 'Content-Type': PROBLEM_CONTENT_TYPE },
  })
}

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
    type: z.string().openapi({ example: `${PROBLEM_BASE}not-found` }),
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
