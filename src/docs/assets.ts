/**
 * Swagger UI's files for the docs pages (wire/docs.ts), served by the
 * gateway itself under `/docs/assets/`: `swagger-ui-bundle.js` and `swagger-ui.css`
 * from the pinned `swagger-ui-dist` package, and the page's start script. Where the
 * package's files live differs per runtime (Workers static assets, or the package
 * directory under Deno): `DocsAssetSource` reads one by name.
 */
import type { Handler } from 'hono'
import { DOCS_CSP } from '../../wire/docs'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'

/** Reads one file of the `swagger-ui-dist` package; undefined when it cannot. */
export type DocsAssetSource = (file: string) => Promise<BodyInit | undefined>

const PACKAGE_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
}

/** Starts Swagger UI on the page's `#swagger-ui`, with the spec URL from its data attribute. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui')
  window.ui = SwaggerUIBundle({ url: root.dataset.specUrl, dom_id: '#swagger-ui' })
})
`

/** The handler of `/docs/assets/:file` (routes/gateway.ts). */
export function docsAssetHandler(source: DocsAssetSource | undefined): Handler<GatewayEnv> {
  return async (c) => {
    const file = c.req.param('file')!
    const headers = {
      'Content-Security-Policy': DOCS_CSP,
      'X-Content-Type-Options': 'nosniff',
      // The package version is pinned: a day is safe, and revalidation is cheap.
      'Cache-Control': 'public, max-age=86400',
    }
    if (file === 'docs-init.js') return c.body(INIT_SCRIPT, 200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' })
    const type = PACKAGE_FILES[file]
    if (!type) throw ProblemError.of(problems.notFound(`No docs asset named ${file}.`))
    const body = source ? await source(file) : undefined
    if (body === undefined) throw ProblemError.of(problems.notFound(`The docs asset ${file} is not available here.`))
    return c.body(body as ReadableStream, 200, { ...headers, 'Content-Type': type })
  }
}
