/** Bindings every origin Worker has. */
export interface OriginBindings {
  DB: D1Database
  /** "enabled" turns on the fault-injection routes; anything else (or unset) disables them. */
  FAULT_INJECTION?: string
  /**
   * Shared with the gateway when this origin is served at a URL: identity headers must
   * then be signed with it (identity.ts). Unset when only service bindings reach it.
   */
  IDENTITY_SECRET?: string
}

export type OriginEnv<B extends OriginBindings = OriginBindings> = { Bindings: B }
