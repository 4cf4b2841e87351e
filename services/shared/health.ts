/**
 * Health probes, outside the service prefix and the OpenAPI document:
 * `/health/live` (process up), `/health/ready` (D1 answers), `/health/startup`.
 *
 * @example
 * ```ts
 * mountHealth(app) // GET /health/ready → 200 { status: "ok", checks: { d1: "ok" } }
 * ```
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import { ProblemError, problemResponses } from './problem'
import type { OriginBindings } from './types'

/** A ready probe must answer quickly even when D1 does not. */
const READY_TIMEOUT_MS = 2000
const NO_STORE = { 'Cache-Control': 'no-store' }

const Ok = z.object({ status: z.literal('ok') })
const Ready = Ok.extend({ checks: z.object({ d1: z.literal('ok') }) })

const probe = (path: string, schema: z.ZodType, extra = {}) =>
  createRoute({
    method: 'get',
    path,
    hide: true,
    responses: { 200: { description: 'Healthy', content: { 'application/json': { schema } } }, ...extra },
  })

async function d1Answers(db: D1Database): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
  })
  try {
    const query = db
      .prepare('SELECT 1 AS ok')
      .first<number>('ok')
      .then((ok) => ok === 1)
    return await Promise.race([query, timeout])
  } catch {
    return false
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

export function mountHealth<B extends OriginBindings>(app: OpenAPIHono<{ Bindings: B }>): void {
  app.openapi(probe('/health/live', Ok), (c) => c.json({ status: 'ok' as const }, 200, NO_STORE))
  app.openapi(probe('/health/startup', Ok), (c) => c.json({ status: 'ok' as const }, 200, NO_STORE))
  app.openapi(probe('/health/ready', Ready, problemResponses(503)), async (c) => {
    if (await d1Answers(c.env.DB)) {
      return c.json({ status: 'ok' as const, checks: { d1: 'ok' as const } }, 200, NO_STORE)
    }
    throw new ProblemError({
      status: 503,
      type: 'dependency-unavailable',
      detail: 'The D1 database did not answer SELECT 1.',
      extensions: { checks: { d1: 'error' } },
      headers: NO_STORE,
    })
  })
}
