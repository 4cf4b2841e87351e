/** Users API shapes. */
import { z } from '@hono/zod-openapi'
import { pageOf, Timestamp } from '../../shared/schemas'

export const User = z
  .object({
    id: z.number().int().openapi({ example: 1 }),
    name: z.string().openapi({ example: 'Ada Lovelace' }),
    email: z.string().openapi({ format: 'email', example: 'ada@example.com' }),
    role: z.enum(['customer', 'admin']),
    created_at: Timestamp,
  })
  .openapi('User')
export type User = z.infer<typeof User>

export const UserPage = pageOf(User, 'UserPage')

export const UserPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    email: z
      .email()
      .max(254)
      .transform((e) => e.toLowerCase())
      .optional()
      .openapi({ type: 'string', format: 'email' }),
  })
  .refine((p) => p.name !== undefined || p.email !== undefined, 'at least one of name, email is required')
  .openapi('UserPatch', { minProperties: 1 })
export type UserPatch = z.infer<typeof UserPatch>
