/**
 * RFC 9457 problem details: the one error shape of the gateway and every origin.
 * `type` is `<PROBLEM_BASE>#<slug>`, a stable URI per kind of problem so clients can
 * branch on it; a problem without a slug is `about:blank`.
 *
 * Pure web-standard code, no framework: the gateway and the origins both import it.
 *
 * @example
 * ```ts
 * throw new ProblemError({ status: 404, type: 'not-found', detail: 'User 7 does not exist.' })
 * ```
 */

/** Base of every problem `type` URI; the fragment names the kind of problem. */
export const PROBLEM_BASE = 'https://switchyard.example/problems'
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** `not-found` → `https://switchyard.example/problems#not-found`. */
export const problemType = (slug: string): string => `${PROBLEM_BASE}#${slug}`

/** A problem document as it goes on the wire: core members plus extension members. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  [extension: string]: unknown
}

export interface ProblemInit {
  status: number
  /** Slug appended to PROBLEM_BASE (`not-found`), or a whole `type` URI; omitted means `about:blank`. */
  type?: string | undefined
  title?: string | undefined
  detail?: string | undefined
  instance?: string | undefined
  /** Extension members, merged into the top level of the body. */
  extensions?: Record<string, unknown> | undefined
  /** Response headers that belong to the problem (`Retry-After`, `Allow`, `WWW-Authenticate`). */
  headers?: HeadersInit | undefined
}

/** The HTTP status titles (RFC 9110 reason phrases) problems default to; one table for every producer. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  424: 'Failed Dependency',
  429: 'Too Many Requests',
  // Not in RFC 9110: nginx's name for a request the client gave up on (Connect `canceled`).
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

/** A status's title (`404` → `Not Found`); undefined for one the table lacks. */
export const statusTitle = (status: number): string | undefined => TITLES[status]

const CORE = new Set(['type', 'title', 'status', 'detail', 'instance'])

export function problemBody(init: ProblemInit): Problem {
  const { status, type, title, detail, instance, extensions = {} } = init
  return {
    type: !type ? 'about:blank' : type.includes(':') ? type : problemType(type),
    title: title ?? TITLES[status] ?? 'Error',
    status,
    ...(detail !== undefined && { detail }),
    ...(instance !== undefined && { instance }),
    // An extension can never overwrite a core member.
    ...Object.fromEntries(Object.entries(extensions).filter(([name]) => !CORE.has(name))),
  }
}

/** An `application/problem+json` response; errors are never cached. */
export function problemResponse(init: ProblemInit): Response {
  const headers = new Headers(init.headers)
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE)
  headers.set('Cache-Control', 'no-store')
  return new Response(JSON.stringify(problemBody(init)), { status: init.status, headers })
}

/** Thrown from anywhere in a request; the error handler renders it as problem+json. */
export class ProblemError extends Error {
  constructor(readonly init: ProblemInit) {
    super(init.detail ?? init.title ?? TITLES[init.status] ?? `HTTP ${init.status}`)
    this.name = 'ProblemError'
  }

  /** From a whole problem document (`type` a URI, extension members at the top level). */
  static of(problem: Problem, headers?: HeadersInit): ProblemError {
    const { type, title, status, detail, instance, ...extensions } = problem
    return new ProblemError({ type, title, status, detail, instance, extensions, headers })
  }

  /** The document this error answers with. */
  get problem(): Problem {
    return problemBody(this.init)
  }

  /** The response; `instance` (the path the client sent) unless the problem names its own. */
  toResponse(instance?: string): Response {
    return problemResponse({ ...this.init, instance: this.init.instance ?? instance })
  }
}
