/**
 * Caller-relative routes: a route-table entry may send a request to an origin path
 * built from the verified caller, e.g. `GET /users/me` → `/users/{sub}` at the users
 * origin, so no origin needs a "me" handler of its own.
 */
import type { Identity } from '../types'

export function expandOriginPath(template: string, identity: Identity | undefined): string {
  if (!identity) throw new Error(`origin path ${template} needs an authenticated caller`)
  return template.replaceAll('{sub}', encodeURIComponent(identity.sub))
}
