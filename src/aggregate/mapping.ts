import { pluck } from './template'
import type { PartMapping } from './types'

/**
 * Applies a part's mapping to its JSON body: `select` (KrakenD's `target`), then
 * `pick` (`allow`), then `rename` (`mapping`). `pick` and `rename` apply to the object,
 * or to every object of an array, so a list of orders can be trimmed per item.
 *
 * @example
 * applyMapping({ data: [{ id: 1, total_cents: 5, user_id: 1 }] },
 *   { select: 'data', pick: ['id', 'total_cents'], rename: { total_cents: 'total' } })
 * // → [{ id: 1, total: 5 }]
 */
export function applyMapping(body: unknown, mapping: PartMapping | undefined): unknown {
  if (!mapping) return body
  let value = mapping.select ? (pluck(body, mapping.select.split('.')) ?? null) : body
  if (mapping.pick) value = eachObject(value, (o) => pick(o, mapping.pick!))
  if (mapping.rename) value = eachObject(value, (o) => rename(o, mapping.rename!))
  return value
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function eachObject(value: unknown, fn: (o: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? fn(item) : item))
  return isObject(value) ? fn(value) : value
}

function pick(object: Json, fields: string[]): Json {
  const out: Json = {}
  for (const field of fields) if (Object.hasOwn(object, field)) out[field] = object[field]
  return out
}

function rename(object: Json, renames: Record<string, string>): Json {
  const out: Json = {}
  for (const [key, value] of Object.entries(object)) out[Object.hasOwn(renames, key) ? renames[key]! : key] = value
  return out
}
