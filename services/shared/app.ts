/**
 * `createOrigin(name)`: an OpenAPIHono app with what every origin shares — trace
 * context (its own span in the caller's trace), fault injection, health probes,
 * problem+json errors, a validation hook that turns zod failures into 400 problems,
 * and `/<name>/openapi.json` + `/<name>/docs`.
 *
 * @example
 * ```ts
 * const app = createOrigin<Bindings>('users')
 * app.openapi(getUserRoute, handler)
 * export default app
 * ```
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { docsPage } from '../../wire/docs'
import { asyncApiDocument } from './events/asyncapi'
import type { EventService } from './events/catalog'
import { mountDeadLetters } from './events/dead-letters'
import { mountEventStats } from './events/stats'
import { faultInjection, mountFaultControl } from './faults'
import { mountHealth } from './health'
import { gatewayIdentity } from './identity'
import { notFound, onError, problemResponse, validationProblem } from './problem'
import { originTracing } from './tracing'
import type { OriginBindings } from './types'

export interface OriginOptions {
  /** Title of the OpenAPI document; defaults to "Switchyard <name> service". */
  title?: string
  description?: string
  version?: string
  /**
   * URL the Swagger UI loads the document from. The default, the relative
   * "openapi.json", resolves next to the docs page, so it is right both at the origin
   * (`/<name>/docs`) and behind a gateway prefix (`/api/v2/<name>/docs`).
   */
  docUrl?: string
  /**
   * OpenAPI `servers`. The default, the relative "..", is resolved against the
   * document's own URL (OpenAPI 3.1 §4.8.5): the service root at the origin
   * (`/users/openapi.json` → `/`) and `/api/v2/` through the gateway, so "Try it out"
   * calls the right place in both.
   */
  servers?: { url: string; description?: string }[]
  /**
   * The service takes part in events: serve its AsyncAPI document at
   * `/<name>/asyncapi.json` and the admin routes of its dead letters.
   */
  events?: boolean
}

export function createOrigin<B extends OriginBindings = OriginBindings>(name: string, options: OriginOptions = {}) {
  const app = new OpenAPIHono<{ Bindings: B }>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(validationProblem(result.error, result.target, c.req.path))
    },
  })
  // Tracing first, so even an injected fault is a span of the caller's trace.
  app.use('*', originTracing(name))
  app.use('*', faultInjection<B>())
  mountFaultControl(app)
  mountHealth(app)

  // Documents change only with a deploy: shared caches may keep them for five minutes.
  const docs = [`/${name}/openapi.json`, `/${name}/docs`, ...(options.events ? [`/${name}/asyncapi.json`] : [])]
  for (const path of docs) {
    app.use(path, async (c, next) => {
      await next()
      if (c.res.ok) c.header('Cache-Control', 'public, max-age=300')
    })
  }
  // Registered before the service's routes so `/<name>/{id}` never captures them.
  app.doc31(`/${name}/openapi.json`, {
    openapi: '3.1.0',
    info: {
      title: options.title ?? `Switchyard ${name} service`,
      version: options.version ?? '1.0.0',
      ...(options.description !== undefined && { description: options.description }),
    },
    servers: options.servers ?? [{ url: '..', description: 'The service root: / at the origin, /api/v2 through the gateway' }],
    tags: [{ name }],
  })
  app.get(`/${name}/docs`, docsPage(options.docUrl ?? 'openapi.json', `Switchyard ${name} API`))
  if (options.events) {
    const asyncapi = asyncApiDocument(name as EventService)
    app.get(`/${name}/asyncapi.json`, (c) => c.json(asyncapi))
  }

  app.onError(onError)
  app.notFound(notFound)
  // Before every route the service adds (health, docs and fault control never read identity).
  app.use('*', gatewayIdentity<B>())
  if (options.events) {
    mountDeadLetters(app, name as EventService)
    mountEventStats(app, name as EventService)
  }
  return app
}
