// Breaking-change detection between two OpenAPI 3.1 documents: the project's
// compatibility rules, applied by scripts/openapi-compat.mjs (CI) and the tests.
// Hand-written: the npm diff tools (openapi-diff and its parser) reject OpenAPI 3.1,
// and oasdiff is a Go binary. Plain JS without Node APIs, so workerd can run it too.
//
// Breaking, from a client's point of view:
// - endpoint-removed        an operation (path + method) is gone
// - response-removed        a success status or its media type is gone
// - field-removed           a response field is gone, or a request field a strict
//                           schema (additionalProperties: false) no longer accepts
// - field-became-optional   a response field that was always there may be missing
// - type-changed            a response may carry a type it did not, or a request no
//                           longer accepts a type it did (incl. enum values)
// - new-required-input      a new required parameter, body or body field
// Additions (new endpoints, optional inputs, response fields) are compatible.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** `/users/{id}` and `/users/{userId}` are the same endpoint. */
const pathShape = (path) => path.replace(/\{[^}]+\}/g, '{}')

function resolve(doc, node) {
  let current = node
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 32; hops++) {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce((at, key) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc)
  }
  return current ?? {}
}

/** The JSON types a schema allows; undefined means "anything". */
function typesOf(doc, schema) {
  const s = resolve(doc, schema)
  if (s.type) return new Set(Array.isArray(s.type) ? s.type : [s.type])
  if (s.const !== undefined) return new Set([jsonType(s.const)])
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonType))
  const members = s.anyOf ?? s.oneOf
  if (Array.isArray(members)) {
    const all = new Set()
    for (const member of members) {
      const types = typesOf(doc, member)
      if (!types) return undefined
      for (const t of types) all.add(t)
    }
    return all
  }
  return undefined
}

function jsonType(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** Is every type in `inner` allowed by `outer`? (`integer` fits in `number`.) */
function covers(outer, inner) {
  if (!outer) return true
  if (!inner) return false
  return [...inner].every((t) => outer.has(t) || (t === 'integer' && outer.has('number')))
}

const fmt = (types) => (types ? [...types].sort().join('|') : 'any')

/**
 * Compares two schemas. `direction` is `request` (the client writes, the server reads)
 * or `response` (the server writes, the client reads).
 */
function compareSchemas(ctx, oldSchema, newSchema, where, direction, seen = new Set()) {
  const key = `${oldSchema?.$ref ?? ''}|${newSchema?.$ref ?? ''}|${direction}`
  if (oldSchema?.$ref && newSchema?.$ref) {
    if (seen.has(key)) return
    seen = new Set(seen).add(key)
  }
  const before = resolve(ctx.old, oldSchema)
  const after = resolve(ctx.new, newSchema)
  const oldTypes = typesOf(ctx.old, before)
  const newTypes = typesOf(ctx.new, after)
  const typeOk = direction === 'response' ? covers(oldTypes, newTypes) : covers(newTypes, oldTypes)
  if (!typeOk) ctx.report('type-changed', where, `${fmt(oldTypes)} → ${fmt(newTypes)}`)

  if (Array.isArray(before.enum) && Array.isArray(after.enum)) {
    const [from, to] = direction === 'response' ? [before.enum, after.enum] : [after.enum, before.enum]
    const extra = to.filter((v) => !from.some((f) => JSON.stringify(f) === JSON.stringify(v)))
    if (extra.length > 0) {
      const what = direction === 'response' ? 'may now answer' : 'no longer accepts'
      ctx.report('type-changed', where, `${what} ${extra.map((v) => JSON.stringify(v)).join(', ')}`)
    }
  }

  const oldProps = before.properties ?? {}
  const newProps = after.properties ?? {}
  const oldRequired = new Set(before.required ?? [])
  const newRequired = new Set(after.required ?? [])
  for (const [name, schema] of Object.entries(oldProps)) {
    const at = `${where}.${name}`
    if (!(name in newProps)) {
      if (direction === 'response' || after.additionalProperties === false) ctx.report('field-removed', at, 'no longer exists')
      continue
    }
    if (direction === 'response' && oldRequired.has(name) && !newRequired.has(name)) {
      ctx.report('field-became-optional', at, 'was always present, may now be missing')
    }
    compareSchemas(ctx, schema, newProps[name], at, direction, seen)
  }
  if (direction === 'request') {
    for (const name of newRequired) {
      if (!oldRequired.has(name)) ctx.report('new-required-input', `${where}.${name}`, 'is now required')
    }
  }
  if (before.items && after.items) compareSchemas(ctx, before.items, after.items, `${where}[]`, direction, seen)
}

function parametersOf(doc, pathItem, operation) {
  const all = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((p) => resolve(doc, p))
  return new Map(all.map((p) => [`${p.in}:${p.name}`, p]))
}

function operations(doc) {
  const out = new Map()
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) out.set(`${method.toUpperCase()} ${pathShape(path)}`, { path, item, op: item[method] })
    }
  }
  return out
}

const jsonContent = (content = {}) => Object.entries(content)

/** Every breaking change from `oldDoc` to `newDoc`: `{ kind, where, detail }`. */
export function breakingChanges(oldDoc, newDoc) {
  const changes = []
  const ctx = {
    old: oldDoc,
    new: newDoc,
    report: (kind, where, detail) => changes.push({ kind, where, detail }),
  }
  const before = operations(oldDoc)
  const after = operations(newDoc)
  for (const [key, { path, item, op }] of before) {
    const next = after.get(key)
    if (!next) {
      ctx.report('endpoint-removed', key, `${path} is gone`)
      continue
    }
    // Parameters (path, query, header).
    const oldParams = parametersOf(oldDoc, item, op)
    const newParams = parametersOf(newDoc, next.item, next.op)
    for (const [id, param] of newParams) {
      const was = oldParams.get(id)
      if (param.in !== 'path' && param.required && !was?.required) ctx.report('new-required-input', `${key} ${id}`, 'is now required')
      if (was) compareSchemas(ctx, was.schema, param.schema, `${key} ${id}`, 'request')
    }
    // Request body.
    const oldBody = resolve(oldDoc, op.requestBody)
    const newBody = resolve(newDoc, next.op.requestBody)
    if (next.op.requestBody && newBody.required && !(op.requestBody && oldBody.required)) {
      ctx.report('new-required-input', `${key} body`, 'a request body is now required')
    }
    for (const [type, media] of jsonContent(oldBody.content)) {
      const now = newBody.content?.[type]
      if (!now) ctx.report('type-changed', `${key} body`, `${type} is no longer accepted`)
      else compareSchemas(ctx, media.schema, now.schema, `${key} body`, 'request')
    }
    // Success responses.
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      if (!/^2/.test(status)) continue
      const now = next.op.responses?.[status]
      if (!now) {
        ctx.report('response-removed', `${key} ${status}`, 'status no longer answered')
        continue
      }
      const oldContent = resolve(oldDoc, response).content
      const newContent = resolve(newDoc, now).content ?? {}
      for (const [type, media] of jsonContent(oldContent)) {
        if (!newContent[type]) ctx.report('response-removed', `${key} ${status} ${type}`, 'media type no longer answered')
        else compareSchemas(ctx, media.schema, newContent[type].schema, `${key} ${status}`, 'response')
      }
    }
  }
  return changes
}

/** Operations in `newDoc` that `oldDoc` lacks (compatible additions), as `METHOD /path`. */
export function addedEndpoints(oldDoc, newDoc) {
  const before = operations(oldDoc)
  return [...operations(newDoc).keys()].filter((key) => !before.has(key))
}
