import type { RouteSpec } from '../table'
import { v2Routes } from '../v2'

export { v1Changes } from './changes'

/**
 * v1 exposes the v2 routes; origins implement only v2, and v1's differences are the
 * transforms in ./changes.ts. The origins' documents describe v2, so v1 serves no docs.
 * v1 clients predate required `Idempotency-Key`s: there a key stays optional.
 */
export const v1Routes: RouteSpec[] = v2Routes
  .filter((r) => !/\/(openapi\.json|asyncapi\.json|docs)$/.test(r.path))
  .map((r) => (r.idempotency?.required ? { ...r, idempotency: { required: false } } : r))
