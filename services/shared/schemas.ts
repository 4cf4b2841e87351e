/** Zod building blocks shared by the origins' route definitions. */
import { z } from '@hono/zod-openapi'

// Digits only, no leading zero, at most 15 digits so every id is a safe integer.
// Stricter than z.coerce.number(), which would accept "1e3", " 7" or "0x10".
const ID_PATTERN = /^[1-9][0-9]{0,14}$/

/** A positive integer id carried as a string (path or query), parsed to a number. */
export const idString = (description: string) =>
  z
    .string()
    .regex(ID_PATTERN, 'must be a positive integer')
    .transform(Number)
    .openapi({ type: 'integer', minimum: 1, description, example: 1 })

/** Path parameters `{ id }`. */
export const IdParams = z.object({
  id: idString('Resource id').openapi({ param: { name: 'id', in: 'path' } }),
})

/** A positive integer id inside a JSON body. */
export const Id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

/** Stock keeping unit, e.g. SKU-RED-MUG. */
export const Sku = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be 1-64 upper-case letters, digits or dashes')
  .openapi({ example: 'SKU-RED-MUG' })

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"')
  .openapi({ example: 'EUR' })

export const Cents = z.number().int().min(0).max(1_000_000_000_000)

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' })

export const now = () => new Date().toISOString()

// Cursors are opaque to clients (base64url of the last id seen) so the key can change later.
export const encodeCursor = (id: number) => btoa(`id:${id}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')

export function decodeCursor(cursor: string): number | null {
  try {
    const text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))
    const m = /^id:([1-9][0-9]{0,14})$/.exec(text)
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** `?limit=&cursor=` for keyset pagination on id; `cursor` parses to the id to continue after. */
export const PageQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be an integer between 1 and 100')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .optional()
    .default(20)
    .openapi({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Page size' }),
  cursor: z
    .string()
    .max(64)
    .refine((s) => decodeCursor(s) !== null, 'is not a cursor returned by this API')
    .transform((s) => decodeCursor(s) as number)
    .optional()
    .openapi({ type: 'string', description: 'The `next_cursor` of the previous page' }),
})

/** `{ data, next_cursor }` page envelope. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name)

/** Cuts a `limit + 1` row fetch into a page and the cursor of the next one. */
export function toPage<T extends { id: number }>(rows: T[], limit: number) {
  const data = rows.slice(0, limit)
  const last = data.at(-1)
  return { data, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null }
}

/** An OpenAPI `content` entry for a JSON body or response described by `schema`. */
export const json = <T>(schema: T) => ({ 'application/json': { schema } })
