/** Bindings every origin Worker has. */
export interface OriginBindings {
  DB: D1Database
  /** "enabled" turns on the fault-injection routes; anything else (or unset) disables them. */
  FAULT_INJECTION?: string
}

export type OriginEnv<B extends OriginBindings = OriginBindings> = { Bindings: B }
