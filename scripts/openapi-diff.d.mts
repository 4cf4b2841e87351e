/** Types of scripts/openapi-diff.mjs, for the TypeScript tests. */
export type ChangeKind =
  | 'endpoint-removed'
  | 'response-removed'
  | 'field-removed'
  | 'field-became-optional'
  | 'type-changed'
  | 'new-required-input'

export interface BreakingChange {
  kind: ChangeKind
  /** `GET /users/{} 200.email`, `POST /orders body.user_id`, … */
  where: string
  detail: string
}

export function breakingChanges(oldDoc: unknown, newDoc: unknown): BreakingChange[]
export function addedEndpoints(oldDoc: unknown, newDoc: unknown): string[]
