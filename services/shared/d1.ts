/** D1 error classification, so handlers can map constraint failures to 409 instead of 500. */
export const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Error && /UNIQUE constraint failed/i.test(err.message)
