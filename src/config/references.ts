/**
 * Cross-references of a config: names in one section that must name something real in
 * another (or in the route tables). Checked on the raw input, next to the schema's own
 * checks, so one error lists both kinds.
 */
import type { ConfigIssue } from './errors'
import { configPath } from './errors'

/** What the route tables declare, for the references that point into them. */
export interface TableFacts {
  /** Rate-limit route groups declared on table entries (`rateLimit.group`). */
  groups: ReadonlySet<string>
  /** Services the tables' routes call. */
  services: ReadonlySet<string>
  /** Every composite part's service, with where the part is declared. */
  compositeParts: readonly { where: string; service: string }[]
}

type Loose = Record<string, unknown>
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])
const versionNumber = (label: string) => Number(label.slice(1))

const DEFAULT_VERSIONS = { supported: ['v1', 'v2'], default: 'v2' }

export function crossReferenceIssues(input: unknown, facts: TableFacts): ConfigIssue[] {
  if (!isObject(input)) return []
  const issues: ConfigIssue[] = []
  const issue = (path: PropertyKey[], message: string) => issues.push({ path: configPath(path), message })
  const services = new Set(isObject(input.services) ? Object.keys(input.services) : [])

  const versions = isObject(input.versions) ? input.versions : {}
  const supported = 'supported' in versions ? strings(versions.supported) : DEFAULT_VERSIONS.supported
  const defaultVersion = typeof versions.default === 'string' ? versions.default : DEFAULT_VERSIONS.default
  if (supported.length > 0 && !supported.includes(defaultVersion)) {
    issue(['versions', 'default'], `default version ${defaultVersion} is not supported (${supported.join(', ')})`)
  }
  const newest = [...supported].sort((a, b) => versionNumber(a) - versionNumber(b)).at(-1)
  if (isObject(input.deprecations)) {
    for (const version of Object.keys(input.deprecations)) {
      if (!supported.includes(version)) issue(['deprecations', version], `${version} is not a supported version`)
      else if (version === newest) issue(['deprecations', version], `${version} is the newest version and has no successor`)
    }
  }

  const resilience = isObject(input.resilience) ? input.resilience : {}
  if (isObject(resilience.services)) {
    for (const name of Object.keys(resilience.services)) {
      if (!services.has(name)) issue(['resilience', 'services', name], `resilience.services.${name} names no configured service`)
    }
  }

  const rateLimit = isObject(input.rateLimit) ? input.rateLimit : {}
  const policies = Array.isArray(rateLimit.policies) ? rateLimit.policies : []
  policies.forEach((policy, i) => {
    const match = isObject(policy) && isObject(policy.match) ? policy.match : {}
    strings(match.services).forEach((name, j) => {
      if (!services.has(name)) issue(['rateLimit', 'policies', i, 'match', 'services', j], `${name} names no configured service`)
    })
    strings(match.groups).forEach((name, j) => {
      if (!facts.groups.has(name)) {
        const known = [...facts.groups].join(', ') || 'none'
        issue(['rateLimit', 'policies', i, 'match', 'groups', j], `${name} is no route group of the tables (groups: ${known})`)
      }
    })
  })

  const known = new Set([...services, ...facts.services])
  for (const part of facts.compositeParts) {
    if (!known.has(part.service)) issues.push({ path: part.where, message: `${part.service} names no service` })
  }
  return issues
}
