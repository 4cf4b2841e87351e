/**
 * Classic zod's `z` namespace without its 40+ locales and `fromJSONSchema`: every origin
 * bundle resolves `zod` here (wrangler.toml `[alias]`; scripts/origins.mjs for tests).
 * `@hono/zod-openapi` hands the whole namespace to `extendZodWithOpenApi(z)`, so no
 * bundler can drop an unused export from it, and every locale (≈ 43 KiB gzip) shipped
 * though only English — which classic zod's schemas register themselves — is used.
 * Imports are relative paths because zod's package exports do not expose these modules.
 */
import * as z from './classic'
export * from './classic'
export { z, z as default }
