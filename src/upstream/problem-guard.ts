import { ProblemError } from '../../wire/problem'
import { problems } from '../problem'
import type { Upstream, UpstreamDecorator } from './types'

/**
 * An origin's 5xx that is not `application/problem+json` (a crash page, a proxy's
 * HTML error) becomes a 502 problem+json naming the service, keeping `Retry-After`.
 * An origin's own problem+json 5xx passes through as it was sent. So no raw 5xx page
 * ever reaches a client through the gateway.
 *
 * @example
 * ```ts
 * const users = withProblemGuard()(transport) // text/html 500 from the origin → 502 problem+json
 * ```
 */
export function withProblemGuard(): UpstreamDecorator {
  return (next: Upstream): Upstream =>
    async (req, ctx) => {
      const res = await next(req, ctx)
      if (res.status < 500 || isProblem(res)) return res
      await res.body?.cancel()
      const retryAfter = res.headers.get('retry-after')
      throw ProblemError.of(
        {
          ...problems.badGateway(ctx.service, `The ${ctx.service} service failed with status ${res.status}.`),
          upstream_status: res.status,
        },
        retryAfter === null ? undefined : { 'Retry-After': retryAfter },
      )
    }
}

function isProblem(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').toLowerCase().startsWith('application/problem+json')
}
