/**
 * Version transforms, after Stripe's version changes: origins implement only the
 * newest contract, and each older version is one declared step away from the next
 * newer one. A request in v1 is upgraded v1→v2(→v3…) step by step before it is
 * validated and sent; the origin's answer is downgraded back down the same chain.
 * A v3 adds one step (v2→v3); the v1→v2 step stays as it is.
 *
 * @example
 * ```ts
 * export const v1Changes: VersionStep = {
 *   from: 'v1',
 *   to: 'v2',
 *   summary: 'v2 adds email to users',
 *   routes: { 'GET /users/:id': { response: pick('id', 'name') } },
 * }
 * ```
 */
import type { Method } from '../endpoint/types'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** A newer response body → the older version's shape (2xx JSON bodies only). */
export type Downgrade = (body: Json) => Json

/** Renames of top-level fields: older name → newer name. Validation errors are mapped back. */
export type Renames = Record<string, string>

export interface RouteChange {
  /** How an older request becomes a newer one. */
  request?: { body?: Renames; query?: Renames }
  response?: Downgrade
}

/** `GET /users/:id`: a route of the newer version's table. */
export type RouteKey = `${Method} /${string}`

export interface VersionStep {
  /** The older version this step serves. */
  from: string
  /** The next newer version. */
  to: string
  /** What changed, for the changelog and the merged OpenAPI description. */
  summary: string
  routes: Partial<Record<RouteKey, RouteChange>>
}

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Keeps only the listed fields (a field the newer version added disappears). */
export const pick =
  (...keys: string[]): Downgrade =>
  (body) =>
    isObject(body) ? Object.fromEntries(keys.filter((k) => k in body).map((k) => [k, body[k]!])) : body

/** Renames fields back: newer name → older name. */
export const renameFields =
  (newerToOlder: Record<string, string>): Downgrade =>
  (body) => {
    if (!isObject(body)) return body
    const out: JsonObject = {}
    for (const [key, value] of Object.entries(body)) out[newerToOlder[key] ?? key] = value
    return out
  }

/** Converts one field's value (a changed type), leaving the rest alone. */
export const convertField =
  (key: string, convert: (value: Json) => Json): Downgrade =>
  (body) =>
    isObject(body) && key in body ? { ...body, [key]: convert(body[key]!) } : body

/** Applies a downgrade to every item of a `{ data: [...] }` page or list. */
export const eachItem =
  (item: Downgrade): Downgrade =>
  (body) =>
    isObject(body) && Array.isArray(body.data) ? { ...body, data: body.data.map(item) } : body

export const pipe =
  (...steps: Downgrade[]): Downgrade =>
  (body) =>
    steps.reduce((value, step) => step(value), body)

export function routeKey(method: string, path: string): RouteKey {
  return `${method.toUpperCase()} ${path}` as RouteKey
}

/** A body that uses both a field's older and newer name: which one was meant is unclear. */
export class RenameCollision extends Error {
  constructor(
    readonly older: string,
    readonly newer: string,
  ) {
    super(`both ${older} and ${newer} given`)
  }
}

/** Applies request renames to a body object, oldest step first. */
export function upgradeBody(body: unknown, renames: (Renames | undefined)[]): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  let out = body as Record<string, unknown>
  for (const map of renames) {
    if (!map) continue
    const next: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(out)) {
      const target = map[key] ?? key
      if (target in next) {
        throw new RenameCollision(Object.keys(map).find((older) => map[older] === target) ?? key, target)
      }
      next[target] = v
    }
    out = next
  }
  return out
}

/** Applies request renames to query parameters (repeated ones keep every value). */
export function upgradeQuery(query: URLSearchParams, renames: (Renames | undefined)[]): URLSearchParams {
  let out = query
  for (const map of renames) {
    if (!map) continue
    const next = new URLSearchParams()
    for (const [key, v] of out) next.append(map[key] ?? key, v)
    out = next
  }
  return out
}

/** Maps a newer field name back to the name the client used (newest step first). */
export function olderFieldName(name: string, renames: (Renames | undefined)[]): string {
  let current = name
  for (const map of [...renames].reverse()) {
    const older = map && Object.entries(map).find(([, newer]) => newer === current)?.[0]
    if (older) current = older
  }
  return current
}

/** Downgrades a body, newest step first. */
export function downgrade(body: Json, changes: RouteChange[]): Json {
  return [...changes].reverse().reduce((value, change) => (change.response ? change.response(value) : value), body)
}
