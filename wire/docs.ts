/**
 * Swagger UI pages, the same for every origin and the gateway (so they live in the wire
 * module: the page an origin serves loads its assets from the gateway's path), that need no host but
 * the gateway: the page loads Swagger UI (`swagger-ui-dist`, pinned) and a small start
 * script from the gateway's `/docs/assets/` (src/docs/assets.ts), holds no inline
 * script or style, and says so in a Content-Security-Policy that allows only self
 * (plus `data:` images: Swagger UI's icons are data URIs in its CSS).
 *
 * @example
 * ```ts
 * app.get('/users/docs', docsPage('openapi.json', 'Switchyard users API'))
 * ```
 */
import type { Handler } from 'hono'

export const SWAGGER_UI_VERSION = '5.35.0'

/** Where the gateway serves Swagger UI's files; absolute, so an origin's page behind the gateway finds them too. */
export const DOCS_ASSETS_PATH = '/docs/assets'

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

/**
 * `specUrl` should be relative ("openapi.json") so the page works wherever it is
 * served: at the origin (`/users/docs`) and behind the gateway (`/api/v2/users/docs`).
 * The start script reads it from `data-spec-url` (no inline script under the CSP).
 */
export function docsHtml(specUrl: string, title: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="${escapeHtml(specUrl)}"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS_PATH}/docs-init.js"></script>
  </body>
</html>
`
}

export const docsPage =
  (specUrl: string, title: string): Handler =>
  (c) =>
    c.html(docsHtml(specUrl, title), 200, { 'Content-Security-Policy': DOCS_CSP })
