/**
 * The handler of a composite endpoint: the aggregation decorator (`composite`) over the
 * registry's upstreams, built once per table entry, called with the verified caller and
 * the route's parameters.
 */
import type { Context } from 'hono'
import type { CompositeRoute } from '../endpoint/types'
import { originRequestHeaders, type ProxyOptions } from '../proxy/forward'
import type { GatewayEnv } from '../types'
import { composite } from './composite'

/** Request headers no part gets: parts are plain JSON GETs, with no body, range or condition meant for the composite. */
const PART_DROPPED_HEADERS = [
  'content-length',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
]

export function compositeHandler(spec: CompositeRoute, template: string, options: ProxyOptions): (c: Context<GatewayEnv>) => Promise<Response> {
  const upstream = composite(spec, options.registry)
  return (c) => {
    c.set('upstream', 'composite')
    // The verified caller reaches every part, as on a proxied route.
    const headers = originRequestHeaders(c, options)
    for (const name of PART_DROPPED_HEADERS) headers.delete(name)
    headers.set('accept', 'application/json')
    return upstream(new Request(c.req.url, { headers }), {
      service: 'composite',
      route: template,
      requestId: c.get('requestId'),
      trace: c.get('trace'),
      caller: c.get('identity')?.sub,
      params: c.req.param(),
      signal: c.req.raw.signal,
      waitUntil: (promise) => options.waitUntil(c, promise),
    })
  }
}
