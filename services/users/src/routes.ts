/** Route declarations of the users service (the OpenAPI document is built from these). */
import { createRoute } from '@hono/zod-openapi'
import { problemResponses } from '../../shared/problem'
import { IdParams, json, PageQuery } from '../../shared/schemas'
import { User, UserPage, UserPatch } from './schemas'


export const listUsers = createRoute({
  method: 'get',
  path: '/users',
  tags: ['users'],
  summary: 'List users, ordered by id',
  request: { query: PageQuery },
  responses: { 200: { description: 'A page of users', content: json(UserPage) }, ...problemResponses(400) },
})

export const getUser = createRoute({
  method: 'get',
  path: '/users/{id}',
  tags: ['users'],
  summary: 'Get one user',
  request: { params: IdParams },
  responses: { 200: { description: 'The user', content: json(User) }, ...problemResponses(400, 404) },
})

export const patchUser = createRoute({
  method: 'patch',
  path: '/users/{id}',
  tags: ['users'],
  summary: 'Change name and/or email',
  request: { params: IdParams, body: { required: true, content: json(UserPatch) } },
  responses: {
    200: { description: 'The updated user', content: json(User) },
    ...problemResponses(400, 404, 409, 415),
  },
})
