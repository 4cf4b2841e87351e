/**
 * Declarative composites: one gateway endpoint answered from several upstream calls
 * ("parts"), after KrakenD's merging backends. A composite is data; the decorator in
 * `composite.ts` turns it into an Upstream.
 */

/**
 * `partial` (default): a failed optional part becomes `null` with an entry in
 * `errors`; only a failed required part fails the whole response.
 * `all-or-nothing`: any failed part fails the whole response.
 */
export type CompletenessMode = 'partial' | 'all-or-nothing'

export interface PartSpec {
  /** Registry name of the service called. */
  service: string
  /**
   * Origin path and query, with placeholders filled from the request and the caller:
   * `{sub}` the caller's subject, `{id}` a route parameter, `{order.items.sku}` a field
   * of another part's (mapped) result — which makes this part run in a later stage.
   * A list value is joined with commas. Every value is percent-encoded.
   * @example '/orders?user={sub}&limit=5'
   */
  path: string
  /** A failed required part fails the composite (502/504, or the origin's 4xx). */
  required?: boolean
  /** Per-part timeout in ms; never past the composite's deadline. */
  timeoutMs?: number
  /** Reshapes the part's JSON body before it is merged. */
  map?: PartMapping
}

/** KrakenD's `target`, `allow` and `mapping`, applied in that order. */
export interface PartMapping {
  /** Dotted path of the field to keep instead of the whole body (`data` of a page). */
  select?: string
  /** Fields to keep: of the object, or of every object in an array. */
  pick?: string[]
  /** Field renames `{ from: to }`: of the object, or of every object in an array. */
  rename?: Record<string, string>
}

export interface CompositeSpec {
  /** Gateway path under `/api/<version>`, with route parameters: `/orders/:id/details`. */
  path: string
  mode?: CompletenessMode
  /** No part runs past this many ms after the composite starts (default 3000). */
  deadlineMs?: number
  /** Named parts; the name is the key of the part's result in the merged body. */
  parts: Record<string, PartSpec>
}

/** What one part ended with. */
export type PartOutcome =
  | { ok: true; value: unknown; ms: number }
  | { ok: false; problem: PartProblem; ms: number; cancelled?: boolean }

/** RFC 9457 problem details of one part, as listed in `errors`. */
export interface PartProblem {
  type: string
  title: string
  status: number
  detail: string
  part: string
  service: string
  /** Status the origin answered with, when it answered. */
  upstream_status?: number
  [extension: string]: unknown
}
