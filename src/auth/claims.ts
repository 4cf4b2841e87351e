/**
 * From verified claims to the caller's identity. What the gateway forwards must be
 * safe in a header and unambiguous when joined by spaces, so shapes are checked here:
 * strictly for the own auth origin (its exact token layout), by the configured claim
 * mapping for other identity providers.
 */
import type { JWTPayload } from 'jose'
import * as z from 'zod/mini'
import type { Identity } from '../types'
import type { IssuerConfig } from './config'

const SUB = /^[A-Za-z0-9._:@|+-]{1,128}$/
const SCOPE = /^[A-Za-z0-9:._/-]{1,256}$/
const ROLE = /^[A-Za-z0-9._-]{1,64}$/
const TIER = /^[A-Za-z0-9._-]{1,32}$/

/** The own auth origin's access tokens (services/auth/src/tokens.ts). */
const OwnClaims = z.lazy(() => z.looseObject({
  sub: z.string().check(z.regex(SUB)),
  jti: z.string().check(z.minLength(1), z.maxLength(128)),
  iat: z.number().check(z.int(), z.nonnegative()),
  nbf: z.number().check(z.int(), z.nonnegative()),
  exp: z.number().check(z.int(), z.nonnegative()),
  scope: z.optional(z.string().check(z.regex(/^[A-Za-z0-9:._/-]+( [A-Za-z0-9:._/-]+)*$/), z.maxLength(2048))),
  roles: z.optional(z.array(z.string().check(z.regex(ROLE))).check(z.maxLength(32))),
}))

export class MalformedClaims extends Error {}

export function ownIdentity(payload: JWTPayload, maxTokenAgeSeconds: number): Identity {
  const claims = OwnClaims.safeParse(payload)
  if (!claims.success) throw new MalformedClaims('The access token claims are malformed')
  const { sub, scope, roles, exp, iat } = claims.data
  if (exp - iat > maxTokenAgeSeconds) throw new MalformedClaims('The access token lives longer than allowed')
  return { sub, scopes: scope ? scope.split(' ') : [], roles: roles ?? [], claims: payload as Record<string, unknown> }
}

/** A claim by name, or by path into nested objects. */
function claimAt(payload: Record<string, unknown>, path: string | readonly string[]): unknown {
  if (typeof path === 'string') return Object.hasOwn(payload, path) ? payload[path] : undefined
  let value: unknown = payload
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** A space-separated string or an array of strings, each matching `pattern`; absent → []. */
function list(value: unknown, pattern: RegExp, max: number): string[] {
  if (value === undefined || value === null) return []
  const items = typeof value === 'string' ? value.split(' ').filter(Boolean) : value
  if (!Array.isArray(items) || items.length > max || !items.every((i) => typeof i === 'string' && pattern.test(i))) {
    throw new MalformedClaims('The access token claims are malformed')
  }
  return items as string[]
}

const Times = z.lazy(() => z.looseObject({
  exp: z.number().check(z.int(), z.nonnegative()),
  iat: z.optional(z.number().check(z.int(), z.nonnegative())),
  nbf: z.optional(z.number().check(z.int(), z.nonnegative())),
}))

/** Another identity provider's token, through its `claims` mapping (scopes, roles, tier). */
export function providerIdentity(payload: JWTPayload, issuer: IssuerConfig): Identity {
  const claims = payload as Record<string, unknown>
  const sub = typeof payload.sub === 'string' ? `${issuer.subjectPrefix}${payload.sub}` : undefined
  if (!sub || !SUB.test(sub) || !Times.safeParse(payload).success) {
    throw new MalformedClaims('The access token claims are malformed')
  }
  const scopes = list(claimAt(claims, issuer.claims.scopes), SCOPE, 64)
  const roles = list(claimAt(claims, issuer.claims.roles), ROLE, 32)
  if (issuer.claims.tier === undefined) return { sub, scopes, roles, claims }
  const tier = claimAt(claims, issuer.claims.tier)
  if (tier !== undefined && (typeof tier !== 'string' || !TIER.test(tier))) {
    throw new MalformedClaims('The access token claims are malformed')
  }
  // The rate limiter reads the tier from the `tier` claim (src/ratelimit/client-key.ts).
  return { sub, scopes, roles, claims: { ...claims, tier } }
}
