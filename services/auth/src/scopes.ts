/**
 * What each role may do, as OAuth scopes in the access token's `scope` claim. The
 * gateway's route table asks for scopes (or roles); it never needs this mapping.
 */
const CUSTOMER = ['orders:read', 'orders:write', 'payments:read', 'payments:write', 'inventory:read'] as const
const ADMIN = [...CUSTOMER, 'users:read', 'users:write', 'inventory:write', 'payments:refund'] as const

const ROLE_SCOPES: Record<string, readonly string[]> = { customer: CUSTOMER, admin: ADMIN }

/** The union of the roles' scopes, sorted; unknown roles grant nothing. */
export function scopesFor(roles: readonly string[]): string[] {
  return [...new Set(roles.flatMap((role) => ROLE_SCOPES[role] ?? []))].sort()
}
