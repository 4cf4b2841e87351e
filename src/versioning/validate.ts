/**
 * Request validation against the origin's published contract (its OpenAPI operation:
 * JSON Schema 2020-12 via @cfworker/json-schema, which needs no `eval`, so it runs in
 * workerd and Deno), before the origin is called: path parameters, query and JSON
 * body. Every issue of every part is reported in one 400 problem (`errors`: `in`, JSON
 * `pointer`, `detail`, `code`), the same shape the origins use, with field names as the
 * client sent them (renames of older versions are mapped back).
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema'
import { ProblemError, type Problem, problemType } from '../../wire/problem'
import { bodySchemaOf, type Contract, type JsonSchema, type Parameter } from './contracts'
import { olderFieldName, type Renames } from './transforms'

export interface RequestParts {
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body; `undefined` when the route takes none. */
  body?: unknown
}

export interface ValidationIssue {
  in: 'path' | 'query' | 'body'
  pointer: string
  detail: string
  code: string
}

export interface ValidationRenames {
  body: (Renames | undefined)[]
  query: (Renames | undefined)[]
}

export type RequestValidator = (parts: RequestParts, renames: ValidationRenames) => void

/** Keywords that only say "something below failed": the failure below is reported instead. */
const CONTAINERS = new Set(['$ref', '$dynamicRef', 'properties', 'patternProperties', 'items', 'prefixItems', 'allOf', 'false', 'contains', 'dependentSchemas', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames'])
/** The same codes the origins' zod validation reports, so clients branch on one vocabulary. */
const CODES: Record<string, string> = {
  type: 'invalid_type',
  required: 'invalid_type',
  additionalProperties: 'unrecognized_keys',
  minimum: 'too_small',
  exclusiveMinimum: 'too_small',
  minLength: 'too_small',
  minItems: 'too_small',
  minProperties: 'too_small',
  maximum: 'too_big',
  exclusiveMaximum: 'too_big',
  maxLength: 'too_big',
  maxItems: 'too_big',
  maxProperties: 'too_big',
  pattern: 'invalid_format',
  format: 'invalid_format',
  enum: 'invalid_value',
  const: 'invalid_value',
  multipleOf: 'not_multiple_of',
  anyOf: 'invalid_union',
  oneOf: 'invalid_union',
  not: 'invalid_value',
}

const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/** `#/items/0` → `['items', '0']`. */
const segmentsOf = (location: string): string[] =>
  location
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'))

/** The validator's output units, reduced to the failures a client can act on. */
function issuesFrom(where: ValidationIssue['in'], units: OutputUnit[], base: string[], renames: (Renames | undefined)[]): ValidationIssue[] {
  // A failed union says so once, not once per branch.
  const unions = units.filter((u) => u.keyword === 'anyOf' || u.keyword === 'oneOf').map((u) => `${u.keywordLocation}/`)
  return units
    .filter((u) => !CONTAINERS.has(u.keyword) && !unions.some((prefix) => u.keywordLocation.startsWith(prefix)))
    .map((u) => {
      const path = [...base, ...segmentsOf(u.instanceLocation)]
      // `required` fails on the object; the client's field is the missing property.
      const missing = u.keyword === 'required' ? /"([^"]+)"/.exec(u.error)?.[1] : undefined
      if (missing !== undefined) path.push(missing)
      const [head, ...tail] = path
      const named = head === undefined ? [] : [olderFieldName(head, renames), ...tail]
      return {
        in: where,
        pointer: named.map((p) => `/${escape(p)}`).join(''),
        detail: missing !== undefined ? `Required` : u.error,
        code: CODES[u.keyword] ?? u.keyword,
      }
    })
}

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/

/** Path and query values are text; the schema's scalar type says how to read them. */
function coerce(value: string, schema: JsonSchema | undefined): unknown {
  const type = typeof schema === 'object' ? schema.type : undefined
  const types = Array.isArray(type) ? type : [type]
  if ((types.includes('integer') || types.includes('number')) && NUMBER.test(value)) return Number(value)
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true'
  return value
}

/**
 * A schema's validator, built on its first use: building one dereferences the schema
 * against the whole document, and an isolate's first request needs at most its own
 * route's, not every route's at start-up.
 */
function compile(schema: JsonSchema, document: Contract['document']): Pick<Validator, 'validate'> {
  let validator: Validator | undefined
  return {
    validate(value) {
      if (!validator) {
        // `$ref`s point into the document's components: validate with them in reach.
        const root = typeof schema === 'boolean' ? schema : { ...schema, components: document.components }
        validator = new Validator(root as object, '2020-12', false)
      }
      return validator.validate(value)
    },
  }
}

/**
 * The request checks of one contract, each compiled once; the returned function throws a
 * 400 problem listing every issue, and returns quietly when the request fits.
 */
export function requestValidator(contract: Contract): RequestValidator {
  const parameters = (contract.operation.parameters ?? []).map((p: Parameter) => ({
    ...p,
    validator: p.schema === undefined ? undefined : compile(p.schema, contract.document),
  }))
  const body = bodySchemaOf(contract.operation)
  const bodyValidator = body === undefined ? undefined : compile(body, contract.document)

  return (parts, renames) => {
    const issues: ValidationIssue[] = []
    for (const p of parameters) {
      if (p.in !== 'path' && p.in !== 'query') continue
      const where = p.in
      const values = where === 'path' ? (p.name in parts.params ? [parts.params[p.name]!] : []) : parts.query.getAll(p.name)
      const name = where === 'query' ? olderFieldName(p.name, renames.query) : p.name
      if (values.length === 0) {
        if (p.required) issues.push({ in: where, pointer: `/${escape(name)}`, detail: 'Required', code: 'invalid_type' })
        continue
      }
      if (!p.validator) continue
      // A repeated parameter is a list; a schema for one value refuses it.
      const value = values.length === 1 ? coerce(values[0]!, p.schema) : values.map((v) => coerce(v, p.schema))
      const result = p.validator.validate(value)
      if (!result.valid) issues.push(...issuesFrom(where, result.errors, [name], []))
    }
    if (bodyValidator && parts.body !== undefined) {
      const result = bodyValidator.validate(parts.body)
      if (!result.valid) issues.push(...issuesFrom('body', result.errors, [], renames.body))
    }
    if (issues.length > 0) throw ProblemError.of(validationProblem(issues))
  }
}

export function validationProblem(errors: ValidationIssue[]): Problem {
  const parts = [...new Set(errors.map((e) => e.in))].join(', ')
  return {
    type: problemType('validation-error'),
    title: 'Invalid request',
    status: 400,
    detail: `The request failed validation (${parts}); the origin was not called.`,
    errors,
  }
}

export const malformedBody = (detail: string): ProblemError =>
  ProblemError.of({ type: problemType('malformed-request'), title: 'Malformed request body', status: 400, detail })

export const unsupportedMediaType = (got: string | null): ProblemError =>
  ProblemError.of({
    type: problemType('unsupported-media-type'),
    title: 'Unsupported Media Type',
    status: 415,
    detail: `This route takes a JSON body (application/json); got ${got ? `"${got}"` : 'no Content-Type'}.`,
  })
