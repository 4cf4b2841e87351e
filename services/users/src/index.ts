/** Users origin: profiles, keyset-paginated listing, partial updates. */
import { createOrigin } from '../../shared/app'
import { isUniqueViolation } from '../../shared/d1'
import { notFoundProblem, ProblemError } from '../../shared/problem'
import { toPage } from '../../shared/schemas'
import * as repo from './repo'
import { getUser, listUsers, patchUser } from './routes'

const app = createOrigin('users', { description: 'User profiles.' })

app.openapi(listUsers, async (c) => {
  const { limit, cursor } = c.req.valid('query')
  const rows = await repo.listUsers(c.env.DB, cursor ?? 0, limit)
  return c.json(toPage(rows, limit), 200)
})

app.openapi(getUser, async (c) => {
  const { id } = c.req.valid('param')
  const user = await repo.getUser(c.env.DB, id)
  if (!user) throw notFoundProblem('User', id)
  return c.json(user, 200)
})

app.openapi(patchUser, async (c) => {
  const { id } = c.req.valid('param')
  const patch = c.req.valid('json')
  let user
  try {
    user = await repo.updateUser(c.env.DB, id, patch)
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    throw new ProblemError({
      status: 409,
      type: 'email-taken',
      title: 'Email already in use',
      detail: `Another user already has the email ${patch.email}.`,
    })
  }
  if (!user) throw notFoundProblem('User', id)
  return c.json(user, 200)
})

export default app
