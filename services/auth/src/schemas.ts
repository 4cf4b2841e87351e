/** Auth API shapes. */
import { z } from '@hono/zod-openapi'

export const LoginRequest = z
  .strictObject({
    email: z
      .email()
      .max(254)
      .transform((e) => e.toLowerCase())
      .openapi({ type: 'string', format: 'email', example: 'ada@example.com' }),
    // Bounded so a huge body cannot make a login expensive.
    password: z.string().min(1).max(1024).openapi({ example: 'ada-dev-password' }),
  })
  .openapi('LoginRequest')

/** Refresh tokens are 256 random bits in base64url (43 characters). */
const RefreshToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'is not a refresh token issued by this service')
  .openapi({ example: 'q3Jx0dM5m7m2V2b3bWq0nQ8z1xv1d0JmF3y1nH3kP2s' })

export const RefreshRequest = z.strictObject({ refresh_token: RefreshToken }).openapi('RefreshRequest')
export const LogoutRequest = z.strictObject({ refresh_token: RefreshToken }).openapi('LogoutRequest')

export const TokenResponse = z
  .object({
    access_token: z.string().openapi({ description: 'ES256 JWT (typ at+jwt), at most 15 minutes' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ example: 900 }),
    refresh_token: z.string().openapi({ description: 'Single use: each refresh returns the next one' }),
    scope: z.string().openapi({ example: 'inventory:read orders:read orders:write payments:read payments:write' }),
  })
  .openapi('TokenResponse')

export const Jwks = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.literal('ES256'),
        use: z.literal('sig'),
      }),
    ),
  })
  .openapi('JWKS')
