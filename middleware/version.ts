import type { Context, MiddlewareHandler } from 'hono'
import { ProblemError } from '../wire/problem'
import type { GatewayEnv } from '../src/types'
import { applyDeprecationHeaders, deprecationHeaders, isSunset, sunsetProblem } from '../src/versioning/deprecation'
import { essence } from '../src/versioning/media-type'
import type { Versioning } from '../src/versioning/versioning'
import { clientPath } from '../src/problem'
import { appendVary, editResponseHeaders } from './response-headers'

export interface VersionNegotiationOptions {
  versioning: Versioning
  /** Clock for the sunset check (milliseconds since the epoch). */
  now?: () => number
  /** Response header that echoes the chosen version. */
  header?: string
}

/** Request headers that select the version: caches must key on them. */
const VARY = ['Accept', 'Accept-Version', 'API-Version']

/**
 * API version negotiation for `/api/...`. Precedence: path (`/api/v2/...`) > media
 * type (`Accept: application/vnd.switchyard.v2+json`) > header (`Accept-Version: 2`,
 * `API-Version: 2`) > query (`?version=2`) > the configured default. A malformed or
 * unsupported version → 400 listing the supported ones; two signals naming different
 * versions → 400 naming both. Unversioned paths were already routed to the
 * negotiated version by the app's `getPath` (see src/versioning/negotiate.ts).
 *
 * Every API response echoes the version (`API-Version: v2`) and `Vary`s on the
 * headers above; a deprecated version's responses carry `Deprecation`, `Sunset` and
 * `Link` (deprecation, sunset, successor-version), and after its sunset it answers
 * 410. The `version` query parameter and a vendor `Content-Type` are the gateway's
 * business: the origin gets neither (`Content-Type: application/json` instead).
 *
 * @example
 * ```ts
 * app.use(versionNegotiation({ versioning: createVersioning(config, [v1Changes], tables) }))
 * // GET /api/users/1 with `API-Version: 1` → v1 user, `API-Version: v1`, `Deprecation: @…`
 * ```
 */
export function versionNegotiation(options: VersionNegotiationOptions): MiddlewareHandler<GatewayEnv> {
  const { versioning } = options
  const now = options.now ?? Date.now
  const header = options.header ?? 'API-Version'

  const decorate = (c: Context<GatewayEnv>, res: Response, version?: string): Response => {
    if (version) res.headers.set(header, version)
    appendVary(res.headers, VARY)
    c.set('versionDecorated', { response: res, header })
    return res
  }

  return async (c, next) => {
    const result = versioning.negotiate(c.req.raw)
    if (!result) return next()
    if (!result.ok) return decorate(c, ProblemError.of(result.problem).toResponse(clientPath(c)))

    const { version } = result
    c.set('apiVersion', version)
    const deprecation = versioning.deprecation(version, result.rest)
    if (deprecation && isSunset(deprecation.schedule, now())) {
      const gone = ProblemError.of(sunsetProblem(deprecation), deprecationHeaders(deprecation)).toResponse(clientPath(c))
      return decorate(c, gone, version)
    }

    if (result.versionQuery || result.vendorContentType) stripVersionSignals(c, result.vendorContentType)
    await next()
    decorate(c, c.res, version)
    if (deprecation) applyDeprecationHeaders(c.res.headers, deprecation)
    if (result.source === 'accept' && essence(c.res.headers.get('content-type') ?? '') === 'application/json') {
      // Answer in the media type the client asked for (same JSON, versioned name).
      c.res.headers.set('Content-Type', `application/vnd.switchyard.${version}+json`)
    }
  }
}

/**
 * `API-Version` and `Vary` on every `/api` answer, errors included — also the answers
 * given before negotiation runs (400 for an invalid path, 413 for a body over the cap).
 * Mounted early (right after the error handler), so it sees every response.
 *
 * @example app.use(versionHeaders({ versioning }))
 */
export function versionHeaders(options: Pick<VersionNegotiationOptions, 'versioning' | 'header'>): MiddlewareHandler<GatewayEnv> {
  const header = options.header ?? 'API-Version'
  return async (c, next) => {
    await next()
    // Negotiation already put both on this very response (the usual case). A response
    // replaced or copied after that (an immutable one CORS copies) gets both again, idempotently.
    const decorated = c.get('versionDecorated')
    if (decorated?.response === c.res && decorated.header === header) return
    const result = options.versioning.negotiate(c.req.raw)
    // No negotiation: not an API path, or one too malformed to route (its 400 still varies).
    if (!result && !/^\/api(\/|$)/.test(clientPath(c))) return
    const version = c.get('apiVersion') ?? (result?.ok ? result.version : undefined)
    editResponseHeaders(c, (headers) => {
      if (version && !headers.has(header)) headers.set(header, version)
      appendVary(headers, VARY)
    })
  }
}

/**
 * Drops `?version=` and turns a vendor JSON `Content-Type` into `application/json`
 * (`vendorBody`: negotiation found the version in the `Content-Type`).
 */
function stripVersionSignals(c: Context<GatewayEnv>, vendorBody: boolean): void {
  const raw = c.req.raw
  const url = new URL(raw.url)
  url.searchParams.delete('version')
  const headers = new Headers(raw.headers)
  if (vendorBody) headers.set('content-type', 'application/json')
  c.req.raw = new Request(url, { method: raw.method, headers, body: raw.body, signal: raw.signal, duplex: 'half' } as RequestInit)
}
