/**
 * Swagger UI pages (`@hono/swagger-ui`), the same for every origin and the gateway.
 * The UI's scripts come from a CDN at a pinned version (the `swagger-ui-dist`
 * devDependency has the same version, so the offline browser test serves exactly
 * those files).
 *
 * @example
 * ```ts
 * app.get('/users/docs', docsPage('openapi.json', 'Switchyard users API'))
 * ```
 */
import { swaggerUI } from '@hono/swagger-ui'

export const SWAGGER_UI_VERSION = '5.35.0'

/**
 * `specUrl` should be relative ("openapi.json") so the page works wherever it is
 * served: at the origin (`/users/docs`) and behind the gateway (`/api/v2/users/docs`).
 */
export const docsPage = (specUrl: string, title: string) => swaggerUI({ url: specUrl, title, version: SWAGGER_UI_VERSION })
