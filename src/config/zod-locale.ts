/**
 * The gateway's schemas are written with `zod/mini` (functions, not methods, so the
 * bundle keeps only what is used — about 18 KiB gzip less than classic zod — and its
 * schemas are cheaper to build when an isolate starts). Unlike classic zod it loads no
 * locale: imported for its effect, this sets zod's English messages, which ConfigError,
 * the rate-limit config's errors and the admin API's problems show.
 */
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

z.config(en())
