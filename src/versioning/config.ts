import * as z from 'zod/mini'
import { _isoDateTime } from 'zod/v4/core'

/** An API version label as it appears in paths: `v1`, `v2`, … */
export const versionLabelSchema = z.lazy(() => z.string().check(z.regex(/^v[1-9][0-9]{0,8}$/)))

// `z.iso.datetime`, built without `z.iso`: that namespace brings every ISO format into the bundle.
const instant = z.lazy(() => z.pipe(_isoDateTime(z.ZodMiniISODateTime, { offset: true }), z.transform((s) => new Date(s))))

/**
 * When a version was (or will be) deprecated and when it stops answering.
 * RFC 8594 §3: a Sunset earlier than the Deprecation makes no sense, so it is refused.
 */
export const deprecationSchema = z.lazy(() => z
  .strictObject({
    /** Sent as `Deprecation: @<unix seconds>` (RFC 9745); may lie in the future. */
    deprecatedAt: instant,
    /** Sent as `Sunset: <IMF-fixdate>` (RFC 8594); after it the version answers 410. */
    sunsetAt: instant,
    /** Human-readable migration notes, linked with `rel="deprecation"`. */
    policyUrl: z.url({ protocol: /^https?$/ }),
  })
  // Dates that failed to parse are reported by their own issues, not here.
  .check(z.refine((d) => !(d.sunsetAt instanceof Date && d.deprecatedAt instanceof Date) || d.sunsetAt >= d.deprecatedAt, {
    message: 'sunsetAt must not be earlier than deprecatedAt',
    path: ['sunsetAt'],
  })))

export const DEFAULT_DEPRECATIONS = {
  v1: {
    deprecatedAt: '2026-07-01T00:00:00Z',
    sunsetAt: '2027-07-01T00:00:00Z',
    policyUrl: 'https://switchyard.example/docs/versions#v1-deprecation',
  },
}

/** `deprecations` section of the gateway config: version label → schedule. */
// prefault: the default is input (ISO strings) and goes through the schema like any config.
export const deprecationsSchema = z.lazy(() => z.prefault(z.record(versionLabelSchema, deprecationSchema), DEFAULT_DEPRECATIONS))

export type Deprecation = z.output<typeof deprecationSchema>
export type Deprecations = z.output<typeof deprecationsSchema>
