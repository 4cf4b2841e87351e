/**
 * Classic zod's `z` namespace without what no origin uses: its 40+ locales, `fromJSONSchema`
 * and the ahead-of-time compiler (`z.compile()`). Every origin bundle resolves `zod` here
 * (wrangler.toml `[alias]`; scripts/origins.mjs for tests). `@hono/zod-openapi` hands the
 * whole namespace to `extendZodWithOpenApi(z)`, so no bundler can drop an unused export
 * from it: they cost ≈ 50 KiB gzip per origin, though only English — which classic zod's
 * schemas register themselves — is ever used.
 * Imports are relative paths because zod's package exports do not expose these modules.
 */
import * as z from './classic'
export * from './classic'
export { z, z as default }
