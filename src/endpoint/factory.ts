/**
 * The endpoint factory (after KrakenD Lura's `factory.go`): every table entry becomes
 * one Endpoint, built once, here — its template, method, auth policy, rate-limit
 * scope, CORS policy, timeouts, and the chain mounted for it: [contract, idempotency
 * keys, cache, handler], each only where the entry declares it. Every path also gets
 * one 405 endpoint (`ALL`, with `Allow`). Global middleware reads the endpoint
 * (`endpointOf(c)`); nothing matches a route a second time.
 *
 * A broken entry (a public route that needs a caller, an invalid CORS override, an RPC
 * that does not exist, a composite that does not compile) fails here, at start-up.
 */
import type { Context, Handler, MiddlewareHandler } from 'hono'
import { compositeHandler } from '../aggregate/endpoint'
import { expandOriginPath } from '../auth/origin-path'
import { resolvePolicy, unroutedPolicy } from '../auth/policy'
import type { CorsConfig } from '../cors/config'
import { corsPolicies } from '../cors/policy'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import { forward, type ProxyOptions } from '../proxy/forward'
import { transcoder } from '../rpc/transcode'
import type { GatewayEnv } from '../types'
import { routeContract } from '../versioning/route-contract'
import type { Versioning } from '../versioning/versioning'
import type { Endpoint, EndpointTables, GatewayHandlerName, Method, RouteSpec } from './types'

type Middleware = MiddlewareHandler<GatewayEnv>
type RouteHandler = (c: Context<GatewayEnv>) => Promise<Response>

/** Per-route middleware the composition root supplies (middleware/); absent: the concern is off. */
export interface EndpointStages {
  /** Idempotency keys for an entry that declares `idempotency`. */
  idempotency?: (rule: NonNullable<RouteSpec['idempotency']>) => Middleware
  /** The response cache for an entry that declares `cache`; `revalidate` is the route's own handler. */
  cache?: (rule: NonNullable<RouteSpec['cache']>, route: { version: string; revalidate: RouteHandler }) => Middleware
}

export interface EndpointFactoryOptions {
  /** The API versions to mount (each needs a table). */
  versions: readonly string[]
  versioning: Versioning
  /** The global CORS policy; entries' `cors` overrides are merged over it. */
  cors: CorsConfig
  proxy: ProxyOptions
  stages: EndpointStages
  /** The handlers of the gateway's own routes, by name. */
  handlers: Record<GatewayHandlerName, Handler<GatewayEnv>>
}

/** Every endpoint of the tables: each method's first, then one 405 per path. */
export function buildEndpoints(tables: EndpointTables, options: EndpointFactoryOptions): Endpoint[] {
  const corsOf = corsPolicies(options.cors)
  const endpoints: Endpoint[] = []
  /** Per template: its methods and the first CORS override declared at it. */
  const paths = new Map<string, { methods: Method[]; cors?: RouteSpec['cors'] }>()
  const add = (entry: { method: Method; cors?: RouteSpec['cors'] }, endpoint: Omit<Endpoint, 'method' | 'cors'>) => {
    const path = paths.get(endpoint.template) ?? { methods: [] }
    path.methods.push(entry.method)
    path.cors ??= entry.cors
    paths.set(endpoint.template, path)
    // A placeholder: its path's CORS policy is set once every entry at the path is known (below).
    endpoints.push({ ...endpoint, method: entry.method, cors: corsOf(undefined, endpoint.template) })
  }

  for (const version of options.versions) {
    const routes = tables.versions[version]
    if (!routes) throw new Error(`no route table for version ${version}`)
    const prefix = `/api/${version}`
    for (const spec of routes) {
      const template = prefix + spec.path
      const handler = proxyHandler(spec, prefix, prefix, options, tables)
      const contract = routeContract(spec, options.versioning.changes(version, spec))
      const keys = spec.idempotency && options.stages.idempotency?.(spec.idempotency)
      const cache = spec.cache && options.stages.cache?.(spec.cache, { version, revalidate: handler })
      add(spec, {
        ...proxied(spec, template),
        version,
        chain: [...[contract, keys, cache].filter((m): m is Middleware => m !== undefined), handler],
      })
    }
    for (const spec of tables.composites[version] ?? []) {
      const template = prefix + spec.path
      const services = [...new Set(Object.values(spec.parts).map((p) => p.service))]
      add(
        { method: 'GET' },
        {
          template,
          version,
          service: 'composite',
          auth: resolvePolicy(spec.auth, `GET ${template}`),
          rateLimit: { service: 'composite', route: template, parts: services.map((service) => ({ service })) },
          chain: [compositeHandler(spec, template, options.proxy)],
        },
      )
    }
  }
  for (const spec of tables.root) {
    add(spec, { ...proxied(spec, spec.path), chain: [proxyHandler(spec, '', '', options, tables)] })
  }
  for (const spec of tables.rpc.routes) {
    const template = tables.rpc.prefix + spec.path
    add(spec, { ...proxied(spec, template), chain: [proxyHandler(spec, tables.rpc.prefix, '', options, tables)] })
  }
  for (const spec of tables.gateway) {
    const handler = options.handlers[spec.serves]
    add(spec, {
      template: spec.path,
      auth: resolvePolicy(spec.auth, `${spec.method} ${spec.path}`),
      rateLimit: {},
      // A fresh function per endpoint: several routes may share one named handler.
      chain: [(c) => handler(c, async () => {})],
    })
  }

  for (const endpoint of endpoints) endpoint.cors = corsOf(paths.get(endpoint.template)?.cors, endpoint.template)
  for (const [template, { methods, cors }] of paths) {
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods
    endpoints.push({
      template,
      method: 'ALL',
      auth: unroutedPolicy(),
      rateLimit: {},
      cors: corsOf(cors, template),
      chain: [
        () => {
          throw ProblemError.of(problems.methodNotAllowed(allowed), { Allow: allowed.join(', ') })
        },
      ],
    })
  }
  return endpoints
}

/** What a proxied entry's endpoint knows about itself, apart from its chain. */
function proxied(spec: RouteSpec, template: string): Omit<Endpoint, 'method' | 'cors' | 'chain'> {
  return {
    template,
    service: spec.service,
    auth: resolvePolicy(spec.auth, `${spec.method} ${template}`, spec.originPath),
    rateLimit: { service: spec.service, group: spec.rateLimit?.group, route: template },
    failures: spec.rateLimit?.failures,
    timeouts: spec.timeout,
    idempotency: spec.idempotency,
    cache: spec.cache,
  }
}

/**
 * The handler of a proxied entry: its RPC through the transcoder, else the request sent
 * to its service at the path it was routed on minus `mountPrefix` (or at the entry's
 * caller-relative `originPath`). `publicPrefix` goes back onto origin-relative `Location`s.
 */
function proxyHandler(
  spec: RouteSpec,
  mountPrefix: string,
  publicPrefix: string,
  options: EndpointFactoryOptions,
  tables: EndpointTables,
): RouteHandler {
  if (spec.rpc) return transcoder({ ...spec, rpc: spec.rpc }, options.proxy, tables.rpc.services)
  return (c: Context<GatewayEnv>) => {
    const originPath = spec.originPath ? expandOriginPath(spec.originPath, c.get('identity')) : c.req.path.slice(mountPrefix.length)
    return forward(c, spec, originPath, options.proxy, publicPrefix)
  }
}
