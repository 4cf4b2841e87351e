/** Route declarations of the auth service (the OpenAPI document is built from these). */
import { createRoute } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { json } from '../../shared/schemas'
import { Jwks, LoginRequest, LogoutRequest, RefreshRequest, TokenResponse } from './schemas'

const tokens = { 200: { description: 'Tokens', content: json(TokenResponse) } }

export const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Exchange email and password for an access and a refresh token',
  request: { body: { required: true, content: json(LoginRequest) } },
  responses: { ...tokens, ...problemResponses(400, 415, 503) },
})

export const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  tags: ['auth'],
  summary: 'Spend a refresh token for new tokens (the old refresh token stops working)',
  request: { body: { required: true, content: json(RefreshRequest) } },
  responses: { ...tokens, ...problemResponses(400, 415, 503) },
})

export const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: "Revoke a refresh token's whole family",
  request: { body: { required: true, content: json(LogoutRequest) } },
  responses: { 204: { description: 'Revoked (also when the token was unknown)' }, ...problemResponses(400, 415) },
})

export const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['auth'],
  summary: 'Public keys that verify access tokens (RFC 7517)',
  responses: { 200: { description: 'JSON Web Key Set', content: json(Jwks) }, ...problemResponses(503) },
})
