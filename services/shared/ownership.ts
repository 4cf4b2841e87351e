/**
 * Owner checks for an origin's per-user data, from the identity the gateway verified
 * and forwarded (identity.ts has already refused forged headers by the time a handler
 * runs). The gateway checks scopes only; whose data a caller may touch is decided here,
 * where the owner is known.
 *
 * - No identity at all → 401: none of the owner-scoped routes is public at the gateway,
 *   so an anonymous call is a direct call to the origin and gets nothing.
 * - Role `admin` → any owner.
 * - Otherwise the subject must be the owner. A resource found by its own id (an order,
 *   a charge) answers 404, so a stranger cannot tell it exists; a resource addressed
 *   by a user id (`?user=2`, `/users/2/...`, a body's `user_id`) answers 403, as the
 *   caller named the owner themselves and learns nothing new.
 *
 * @example
 * ```ts
 * const order = await repo.getOrder(c.env.DB, id)
 * if (!order || !canAccess(callerOf(c), order.user_id)) throw notFoundProblem('Order', id)
 * requireOwner(c, query.user) // 403 unless the caller is user `query.user` or an admin
 * ```
 */
import type { Context } from 'hono'
import { IDENTITY_HEADERS } from '../../wire/identity'
import { ProblemError } from './problem'

export interface Caller {
  /** The token's `sub`: the user id as a string. */
  subject: string
  roles: string[]
  scopes: string[]
}

const words = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean)

/** The verified caller, or null when the request carried no identity. */
export function callerOf(c: Context): Caller | null {
  const subject = c.req.header(IDENTITY_HEADERS.subject)
  if (!subject) return null
  return { subject, roles: words(c.req.header(IDENTITY_HEADERS.roles)), scopes: words(c.req.header(IDENTITY_HEADERS.scopes)) }
}

export const isAdmin = (caller: Caller): boolean => caller.roles.includes('admin')

/** True when `caller` may act on data of user `ownerId`. */
export const canAccess = (caller: Caller, ownerId: number): boolean =>
  isAdmin(caller) || caller.subject === String(ownerId)

/** The caller, or a 401 problem when the request carried no identity. */
export function requireCaller(c: Context): Caller {
  const caller = callerOf(c)
  if (caller) return caller
  throw new ProblemError({
    status: 401,
    type: 'authentication-required',
    title: 'Authentication required',
    detail: 'This resource belongs to a user; the request carried no verified caller.',
  })
}

/**
 * The caller, when they may act on data of user `ownerId` (named by the caller in the
 * path, query or body); 401 without identity, 403 for someone else's.
 */
export function requireOwner(c: Context, ownerId: number): Caller {
  const caller = requireCaller(c)
  if (canAccess(caller, ownerId)) return caller
  throw new ProblemError({
    status: 403,
    type: 'not-owner',
    title: 'Not your data',
    detail: `User ${ownerId}'s data is available only to that user or an admin.`,
  })
}
