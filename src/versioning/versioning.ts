/**
 * The versioning of one gateway, built once from its config: which versions exist,
 * the default, each version's deprecation schedule and its chain of transform steps
 * up to the newest version. Inconsistent settings throw at start-up.
 */
import type { RouteSpec } from '../endpoint/types'
import type { Deprecation, Deprecations } from './config'
import type { DeprecationContext } from './deprecation'
import { negotiateRequest, routedPath, type Negotiation, type VersionPolicy } from './negotiate'
import { routeKey, type RouteChange, type VersionStep } from './transforms'

export interface VersioningConfig {
  versions: { supported: string[]; default: string }
  deprecations: Deprecations
}

export interface Versioning {
  policy: VersionPolicy
  newest: string
  /** The request's negotiation, computed once per request object (the router's, if it negotiated). */
  negotiate(req: Request): Negotiation | null
  /** The path the router matches (see `routedPath`). */
  routedPath(req: Request, canonicalPath: string): string
  /** Deprecation details of `version` for the resource at `rest` (`/users/1`), if it is deprecated. */
  deprecation(version: string, rest: string): DeprecationContext | undefined
  /** The steps from `version` up to the newest, oldest first (empty for the newest). */
  steps(version: string): VersionStep[]
  /** The changes of every step on the way from `version` that touch a route, oldest first. */
  changes(version: string, spec: Pick<RouteSpec, 'method' | 'path'>): RouteChange[]
}

const versionNumber = (label: string) => Number(label.slice(1))

export function createVersioning(
  config: VersioningConfig,
  declaredSteps: VersionStep[],
  tables: Record<string, RouteSpec[]>,
): Versioning {
  const supported = [...config.versions.supported].sort((a, b) => versionNumber(a) - versionNumber(b))
  const newest = supported.at(-1)!
  const policy: VersionPolicy = { supported, defaultVersion: config.versions.default }
  const problems: string[] = []

  const stepFrom = new Map(declaredSteps.map((s) => [s.from, s]))
  const chains = new Map<string, VersionStep[]>()
  for (const version of supported) {
    const chain: VersionStep[] = []
    let at = version
    while (at !== newest) {
      const step = stepFrom.get(at)
      if (!step || !supported.includes(step.to) || chain.includes(step)) {
        problems.push(`no transform step leads from ${at} towards ${newest}`)
        break
      }
      chain.push(step)
      at = step.to
    }
    chains.set(version, chain)
  }
  for (const step of declaredSteps) {
    const table = tables[step.to] ?? []
    for (const key of Object.keys(step.routes)) {
      if (!table.some((r) => routeKey(r.method, r.path) === key)) {
        problems.push(`step ${step.from}→${step.to} changes ${key}, which ${step.to} has no route for`)
      }
    }
  }
  // Deprecations naming unsupported or the newest versions are refused with the config (src/config/references.ts).
  if (problems.length > 0) throw new Error(`invalid versioning config:\n${problems.map((p) => `- ${p}`).join('\n')}`)

  const successorOf = (version: string) => supported[supported.indexOf(version) + 1] ?? newest

  return {
    policy,
    newest,
    negotiate: (req) => negotiateRequest(req, policy),
    routedPath: (req, path) => routedPath(req, path, policy),
    deprecation(version, rest) {
      const schedule: Deprecation | undefined = config.deprecations[version]
      if (!schedule) return undefined
      const successor = successorOf(version)
      return { version, schedule, successor, successorPath: `/api/${successor}${rest}` }
    },
    steps: (version) => chains.get(version) ?? [],
    changes(version, spec) {
      const key = routeKey(spec.method, spec.path)
      return (chains.get(version) ?? []).flatMap((step) => step.routes[key] ?? [])
    },
  }
}
