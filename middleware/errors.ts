import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ProblemError, problemResponse } from '../wire/problem'
import { problems } from '../src/problem'
import type { GatewayEnv } from '../src/types'

/**
 * Turns every error into RFC 9457 problem+json. Known problems keep their status;
 * anything unexpected is logged with its stack and answered as an opaque 500.
 *
 * @example app.onError(problemErrorHandler); app.notFound(problemNotFound)
 */
export const problemErrorHandler: ErrorHandler<GatewayEnv> = (err, c) => {
  const instance = c.req.path
  if (err instanceof ProblemError) return err.toResponse(instance)
  if (err instanceof HTTPException) {
    const status = err.status
    return problemResponse({
      type: status === 413 ? 'payload-too-large' : 'http-error',
      title: err.message || 'Request rejected',
      status,
      instance,
    })
  }
  const logger = c.get('logger')
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
  logger?.log('error', 'unhandled error', { error: detail })
  return ProblemError.of(problems.internal()).toResponse(instance)
}

export const problemNotFound: NotFoundHandler<GatewayEnv> = (c) =>
  ProblemError.of(problems.notFound()).toResponse(c.req.path)
