/**
 * Request validation from the origin's own zod schemas, before the origin is called:
 * path parameters, query and JSON body. Every issue of every part is reported in one
 * 400 problem (`errors`: `in`, JSON `pointer`, `detail`, `code`), the same shape the
 * origins use, with field names as the client sent them (renames of older versions
 * are mapped back).
 */
import type { RouteConfig } from '@hono/zod-openapi'
import type { ZodType } from 'zod'
import { problemType, ProblemError, type Problem } from '../problem'
import { bodySchemaOf } from './contracts'
import { olderFieldName, type Renames } from './transforms'

export interface RequestParts {
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body; `undefined` when the route takes none. */
  body?: unknown
}

export interface ValidationIssue {
  in: 'path' | 'query' | 'body'
  pointer: string
  detail: string
  code: string
}

const isZod = (schema: unknown): schema is ZodType =>
  typeof (schema as { safeParse?: unknown } | undefined)?.safeParse === 'function'

const escape = (segment: PropertyKey) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1')

/** Hono's query shape for validators: one value → string, repeated → array. */
export function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key)
    out[key] = values.length === 1 ? values[0]! : values
  }
  return out
}

function issuesOf(
  where: ValidationIssue['in'],
  schema: unknown,
  value: unknown,
  renames: (Renames | undefined)[],
): ValidationIssue[] {
  if (!isZod(schema)) return []
  const result = schema.safeParse(value)
  if (result.success) return []
  return result.error.issues.map((issue) => {
    const [head, ...tail] = issue.path
    const path = head === undefined ? [] : [olderFieldName(String(head), renames), ...tail]
    return { in: where, pointer: path.map((p) => `/${escape(p)}`).join(''), detail: issue.message, code: issue.code }
  })
}

export interface ValidationRenames {
  body: (Renames | undefined)[]
  query: (Renames | undefined)[]
}

/** Throws a 400 problem listing every issue; returns quietly when the request fits. */
export function validateRequest(route: RouteConfig, parts: RequestParts, renames: ValidationRenames): void {
  const request = route.request
  if (!request) return
  const issues = [
    ...issuesOf('path', request.params, parts.params, []),
    ...issuesOf('query', request.query, queryObject(parts.query), renames.query),
    ...(parts.body === undefined ? [] : issuesOf('body', bodySchemaOf(route), parts.body, renames.body)),
  ]
  if (issues.length > 0) throw new ProblemError(validationProblem(issues))
}

export function validationProblem(errors: ValidationIssue[]): Problem {
  const parts = [...new Set(errors.map((e) => e.in))].join(', ')
  return {
    type: problemType('validation-error'),
    title: 'Invalid request',
    status: 400,
    detail: `The request failed validation (${parts}); the origin was not called.`,
    errors,
  }
}

export const malformedBody = (detail: string): ProblemError =>
  new ProblemError({ type: problemType('malformed-request'), title: 'Malformed request body', status: 400, detail })

export const unsupportedMediaType = (got: string | null): ProblemError =>
  new ProblemError({
    type: problemType('unsupported-media-type'),
    title: 'Unsupported Media Type',
    status: 415,
    detail: `This route takes a JSON body (application/json); got ${got ? `"${got}"` : 'no Content-Type'}.`,
  })
