/**
 * Auth origin. For now only its database (credentials and roles), health probes and
 * an (empty) OpenAPI document; login and token issuing are added on top of this app.
 */
import { createOrigin } from '../../shared/app'

const app = createOrigin('auth', { description: 'Authentication: credentials and tokens.' })

export default app
