/**
 * Deprecation signalling for a version on its way out:
 * `Deprecation: @<unix seconds>` (RFC 9745, a Structured Field Date),
 * `Sunset: <IMF-fixdate>` (RFC 8594), and `Link` with `rel="deprecation"` (RFC 9745
 * §3), `rel="sunset"` (RFC 8594 §6) and `rel="successor-version"` (RFC 5829).
 */
import { problemType, type Problem } from '../../wire/problem'
import type { Deprecation } from './config'

export interface DeprecationContext {
  version: string
  schedule: Deprecation
  /** The same resource in the successor version, e.g. `/api/v2/users/1`. */
  successorPath: string
  successor: string
}

/** `@1782864000`: whole seconds since the epoch. */
export const structuredDate = (date: Date) => `@${Math.floor(date.getTime() / 1000)}`

/** `Wed, 01 Jul 2026 00:00:00 GMT`: `toUTCString` produces exactly the IMF-fixdate form. */
export const imfFixdate = (date: Date) => date.toUTCString()

export function deprecationHeaders({ schedule, successorPath }: DeprecationContext): Record<string, string> {
  const policy = `<${schedule.policyUrl}>`
  return {
    Deprecation: structuredDate(schedule.deprecatedAt),
    Sunset: imfFixdate(schedule.sunsetAt),
    Link: [
      `${policy}; rel="deprecation"; type="text/html"`,
      `${policy}; rel="sunset"; type="text/html"`,
      `<${successorPath}>; rel="successor-version"`,
    ].join(', '),
  }
}

/** Adds the deprecation headers to a response, keeping any `Link` it already has. */
export function applyDeprecationHeaders(headers: Headers, context: DeprecationContext): void {
  for (const [name, value] of Object.entries(deprecationHeaders(context))) {
    if (name === 'Link') headers.append(name, value)
    else headers.set(name, value)
  }
}

export const isSunset = (schedule: Deprecation, now: number) => now >= schedule.sunsetAt.getTime()

/** 410 Gone for a version past its sunset (RFC 8594 §1 suggests 410 for this). */
export function sunsetProblem({ version, schedule, successor, successorPath }: DeprecationContext): Problem {
  return {
    type: problemType('version-sunset'),
    title: 'API version retired',
    status: 410,
    detail: `API ${version} was retired on ${imfFixdate(schedule.sunsetAt)}. Use ${successor}: ${successorPath}.`,
    version,
    successor,
    sunset: schedule.sunsetAt.toISOString(),
  }
}
