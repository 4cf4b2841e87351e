import { ProblemError, problemType, statusTitle, type Problem } from '../../wire/problem'
import type { Upstream } from '../upstream/types'
import { compileComposite, type CompiledComposite } from './compile'
import { deadline as deadlineAfter } from './deadline'
import { runPart } from './part'
import type { CompositeSpec, PartOutcome, PartProblem } from './types'

/** Header telling the client whether every part made it into the body. */
export const COMPLETE_HEADER = 'Switchyard-Complete'

/**
 * The aggregation decorator: takes the upstreams of several services and returns one
 * Upstream that answers a composite request from all of them (DESIGN.md: aggregation
 * is a decorator over several upstreams, not a handler per endpoint).
 *
 * Every part of a stage starts at once; a stage starts when the one before it ended.
 * The merged body has one key per part (in declaration order), `null` for a failed
 * part, and an `errors` map of per-part problem details when anything failed;
 * `Switchyard-Complete` says whether the body is whole. When the composite cannot be
 * answered (a required part failed, or any part in `all-or-nothing` mode) it throws a
 * ProblemError — 504 for a timeout, the origin's own 4xx for a client error, else 502 —
 * naming the part, and cancels the parts still running (fail fast).
 *
 * The request's headers are forwarded to every part; `ctx.caller` fills `{sub}` and
 * `ctx.params` the route parameters.
 *
 * @example
 * ```ts
 * const dashboard = composite({
 *   path: '/me/dashboard',
 *   parts: {
 *     profile: { service: 'users', path: '/users/{sub}', required: true },
 *     orders: { service: 'orders', path: '/orders?user={sub}&limit=5', map: { select: 'data' } },
 *   },
 * }, registry)
 * const res = await dashboard(request, { ...ctx, caller: '1' })
 * ```
 */
export function composite(spec: CompositeSpec, upstreams: ReadonlyMap<string, Upstream>): Upstream {
  const compiled = compileComposite(spec)
  return async (req, ctx) => {
    if (compiled.usesCaller && !ctx.caller) {
      throw ProblemError.of(
        {
          type: problemType('unauthenticated'),
          title: 'Unauthorized',
          status: 401,
          detail: 'This endpoint answers for the caller: send a bearer token.',
        },
        { 'WWW-Authenticate': 'Bearer realm="switchyard"' },
      )
    }
    const { signal: deadline, clear } = deadlineAfter(compiled.deadlineMs)
    const failFast = new AbortController()
    const cancel = ctx.signal ? AbortSignal.any([failFast.signal, ctx.signal]) : failFast.signal
    const outcomes = new Map<string, PartOutcome>()
    const lookup = (root: string): unknown => {
      if (root === 'sub') return ctx.caller
      const outcome = outcomes.get(root)
      if (outcome) return outcome.ok ? outcome.value : undefined
      return ctx.params?.[root]
    }

    try {
      for (const stage of compiled.stages) {
        const earlier = new Map(outcomes)
        await Promise.all(
          stage.map(async (part) => {
            const outcome = await runPart(part, {
              upstream: upstreams.get(part.spec.service),
              headers: req.headers,
              ctx,
              deadline,
              cancel,
              lookup,
              earlier,
            })
            outcomes.set(part.name, outcome)
            if (!outcome.ok && !outcome.cancelled && isDecisive(compiled, part.required)) failFast.abort()
          }),
        )
        if (failFast.signal.aborted) break
      }
    } finally {
      clear()
    }

    const failure = compositeFailure(compiled, outcomes)
    if (failure) throw ProblemError.of(failure)
    return mergedResponse(compiled, outcomes)
  }
}

function isDecisive(compiled: CompiledComposite, required: boolean): boolean {
  return required || compiled.mode === 'all-or-nothing'
}

/** Problems of the parts that failed on their own (not cancelled by fail-fast), in order. */
function failures(compiled: CompiledComposite, outcomes: Map<string, PartOutcome>) {
  return compiled.parts.flatMap((part) => {
    const outcome = outcomes.get(part.name)
    return outcome && !outcome.ok && !outcome.cancelled ? [{ part, problem: outcome.problem }] : []
  })
}

/** Undefined when the composite can be answered; else the problem that answers it. */
function compositeFailure(compiled: CompiledComposite, outcomes: Map<string, PartOutcome>): Problem | undefined {
  const failed = failures(compiled, outcomes)
  const decisive = failed.filter(({ part }) => isDecisive(compiled, part.required))
  // A dependency failure only echoes another part's failure: name the original.
  const primary = decisive.find(({ problem }) => problem.status !== 424) ?? decisive[0]
  if (!primary) return undefined
  const { part, problem } = primary
  const upstreamStatus = problem.status
  // A client error at the origin (an unknown order) is the client's, not the gateway's.
  const status =
    upstreamStatus === 504 ? 504 : upstreamStatus >= 400 && upstreamStatus < 500 && upstreamStatus !== 424 ? upstreamStatus : 502
  const kind = part.required ? 'Required part' : 'Part'
  return {
    type: problemType('composite-failed'),
    title: statusTitle(status) ?? 'Composite failed',
    status,
    detail: `${kind} "${part.name}" (${part.spec.service}) failed: ${problem.detail}`,
    part: part.name,
    service: part.spec.service,
    mode: compiled.mode,
    errors: Object.fromEntries(failed.map(({ part: p, problem: pr }) => [p.name, pr])),
  }
}

function mergedResponse(compiled: CompiledComposite, outcomes: Map<string, PartOutcome>): Response {
  const body: Record<string, unknown> = {}
  const errors: Record<string, PartProblem> = {}
  const timings: string[] = []
  for (const part of compiled.parts) {
    const outcome = outcomes.get(part.name)
    body[part.name] = outcome?.ok ? outcome.value : null
    if (outcome && !outcome.ok) errors[part.name] = outcome.problem
    if (outcome) timings.push(`${part.name};dur=${outcome.ms}`)
  }
  const complete = Object.keys(errors).length === 0
  if (!complete) body.errors = errors
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'Content-Type': 'application/json',
      [COMPLETE_HEADER]: String(complete),
      // Per-caller data: never stored by a shared cache.
      'Cache-Control': 'private, no-store',
      'Server-Timing': timings.join(', '),
    },
  })
}
