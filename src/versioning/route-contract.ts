/**
 * Per-route contract handling, in front of each proxied route's handler: upgrade an
 * older version's request through the transform chain, validate it against the
 * origin's declared schemas (400 problem+json, origin not called), and downgrade the
 * origin's answer back to the client's version.
 */
import type { MiddlewareHandler } from 'hono'
import type { RouteSpec } from '../endpoint/types'
import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { GatewayEnv } from '../types'
import { bodySchemaOf, contractFor } from './contracts'
import { isJson } from './media-type'
import { rawQuery } from '../proxy/path'
import { downgrade, RenameCollision, upgradeBody, upgradeQuery, type Json, type RouteChange, type Renames } from './transforms'
import { malformedBody, requestValidator, unsupportedMediaType, validationProblem } from './validate'

/**
 * The contract middleware of one route, first in its endpoint's chain
 * (src/endpoint/factory.ts); undefined when the route has neither a declared contract
 * nor transforms.
 */
export function routeContract(spec: RouteSpec, changes: RouteChange[]): MiddlewareHandler<GatewayEnv> | undefined {
  const contract = contractFor(spec.service, spec.method, spec.path)
  const validate = contract && requestValidator(contract)
  const bodyRenames = changes.map((c) => c.request?.body)
  const queryRenames = changes.map((c) => c.request?.query)
  const hasBody = contract ? bodySchemaOf(contract.operation) !== undefined : bodyRenames.some(Boolean)
  const rewritesQuery = queryRenames.some(Boolean)
  const downgrades = changes.some((c) => c.response)
  if (!contract && !hasBody && !rewritesQuery && !downgrades) return undefined
  // The query is parsed only when something reads it: a declared query parameter, a
  // rename, or a rebuilt request (which carries it over).
  const readsQuery = hasBody || rewritesQuery || (contract?.operation.parameters ?? []).some((p) => p.in === 'query')

  return async (c, next) => {
    const original = c.req.raw
    const query = readsQuery ? upgradeQuery(new URLSearchParams(rawQuery(original.url)), queryRenames) : NO_QUERY
    let body: unknown
    let bodyText: string | undefined
    if (hasBody) {
      const contentType = original.headers.get('content-type')
      if (!isJson(contentType)) throw unsupportedMediaType(contentType)
      const text = await original.text()
      try {
        body = JSON.parse(text)
      } catch {
        throw malformedBody('The request body is not valid JSON.')
      }
      const upgraded = upgradeOrReject(body, bodyRenames)
      bodyText = upgraded === body ? text : JSON.stringify(upgraded)
      body = upgraded
    }
    validate?.({ params: c.req.param(), query, body }, { body: bodyRenames, query: queryRenames })

    if (hasBody || rewritesQuery) {
      const url = new URL(original.url)
      url.search = query.toString()
      const headers = new Headers(original.headers)
      headers.delete('content-length')
      c.req.raw = new Request(url, { method: original.method, headers, body: bodyText, signal: original.signal })
    }
    await next()
    if (downgrades) await downgradeResponse(c, changes, spec.service)
  }
}

/** The query of a route that reads none (the validator looks up only declared query parameters). */
const NO_QUERY: URLSearchParams = new URLSearchParams()

function upgradeOrReject(body: unknown, renames: (Renames | undefined)[]): unknown {
  try {
    return upgradeBody(body, renames)
  } catch (err) {
    if (!(err instanceof RenameCollision)) throw err
    const detail = `${err.older} was renamed ${err.newer} in a later version; send only ${err.older}`
    throw ProblemError.of(validationProblem([{ in: 'body', pointer: `/${err.newer}`, detail, code: 'unrecognized_keys' }]))
  }
}

async function downgradeResponse(
  c: Parameters<MiddlewareHandler<GatewayEnv>>[0],
  changes: RouteChange[],
  service: string,
): Promise<void> {
  const res = c.res
  if (res.status < 200 || res.status >= 300 || !isJson(res.headers.get('content-type'))) return
  const headers = new Headers(res.headers)
  headers.delete('content-length')
  if (c.req.method === 'HEAD' || res.body === null) {
    c.res = undefined
    c.res = new Response(null, { status: res.status, headers })
    return
  }
  let body: Json
  try {
    body = (await res.json()) as Json
  } catch {
    throw ProblemError.of(problems.badGateway(service, `The ${service} service answered with malformed JSON.`))
  }
  // Reset first: assigning over a response merges the old headers (Content-Length) in.
  c.res = undefined
  c.res = new Response(JSON.stringify(downgrade(body, changes)), { status: res.status, statusText: res.statusText, headers })
}
