import { ProblemError, problemType } from '../../wire/problem'
import type { CallContext, Upstream } from '../upstream/types'
import type { CompiledPart } from './compile'
import { deadline } from './deadline'
import { applyMapping } from './mapping'
import { renderTemplate } from './template'
import type { PartOutcome, PartProblem } from './types'

export interface PartCall {
  upstream: Upstream | undefined
  /** Forwarding headers of the composite request, shared by every part. */
  headers: Headers
  /** The composite's call context (request id, caller, waitUntil). */
  ctx: CallContext
  /** The composite's deadline. */
  deadline: AbortSignal
  /** Aborts when the composite is already decided (fail fast) or the client left. */
  cancel: AbortSignal
  /** Value of a template root: `sub`, a route parameter, or an earlier part's result. */
  lookup: (root: string) => unknown
  /** Outcomes of earlier stages, to tell a failed dependency from a missing field. */
  earlier: ReadonlyMap<string, PartOutcome>
}

/**
 * Runs one part: fills its path, calls its service through the registry's upstream
 * (so breakers, retries and tracing apply per part) under its own timeout, and turns
 * every way it can fail into a per-part problem. Never throws.
 */
export async function runPart(part: CompiledPart, call: PartCall): Promise<PartOutcome> {
  const started = performance.now()
  const ms = () => Math.round((performance.now() - started) * 10) / 10
  const { service } = part.spec
  const problem = (fields: Pick<PartProblem, 'type' | 'title' | 'status' | 'detail'> & Partial<PartProblem>) => ({
    ok: false as const,
    problem: { ...fields, part: part.name, service },
    ms: ms(),
  })

  const failedDependency = part.dependsOn.find((name) => call.earlier.get(name)?.ok === false)
  if (failedDependency) {
    return problem({
      ...DEPENDENCY,
      detail: `Not called: the part "${failedDependency}" it depends on failed.`,
      depends_on: failedDependency,
    })
  }
  const rendered = renderTemplate(part.template, call.lookup)
  if (!rendered.ok) {
    return problem({ ...DEPENDENCY, detail: `Not called: no usable value for {${rendered.unresolved}}.` })
  }
  if (!call.upstream) return problem({ ...FAILED, status: 502, detail: `The ${service} service is not configured.` })

  const { signal: timeout, clear } = deadline(part.timeoutMs)
  const signal = AbortSignal.any([timeout, call.deadline, call.cancel])
  const timedOut = () => timeout.aborted || call.deadline.aborted
  try {
    const request = new Request(`http://${service}.internal${rendered.path}`, {
      headers: call.headers,
      signal,
      redirect: 'manual',
    })
    const res = await call.upstream(request, { ...call.ctx, service, signal })
    const text = await untilAborted(res.text(), signal)
    if (!res.ok) {
      return problem({
        ...FAILED,
        status: res.status,
        detail: originDetail(text) ?? `The ${service} service answered ${res.status}.`,
        upstream_status: res.status,
      })
    }
    try {
      return { ok: true, value: applyMapping(text === '' ? null : JSON.parse(text), part.spec.map), ms: ms() }
    } catch {
      return problem({ ...FAILED, status: 502, detail: `The ${service} service answered with a body that is not JSON.` })
    }
  } catch (err) {
    if (timedOut()) {
      const limit = timeout.aborted ? part.timeoutMs : undefined
      return problem({
        type: problemType('part-timeout'),
        title: 'Part timed out',
        status: 504,
        detail: limit
          ? `No answer from the ${service} service within ${limit} ms.`
          : `No answer from the ${service} service before the composite's deadline.`,
      })
    }
    if (call.cancel.aborted) return { ...problem({ ...FAILED, status: 502, detail: 'Cancelled.' }), cancelled: true }
    if (err instanceof ProblemError) {
      const { type, title, status, detail } = err.problem
      return problem({ type: type ?? FAILED.type, title, status, detail: detail ?? title })
    }
    return problem({ ...FAILED, status: 502, detail: `The ${service} service could not be reached.` })
  } finally {
    clear()
  }
}

const FAILED = { type: problemType('part-failed'), title: 'Part failed' }
const DEPENDENCY = { type: problemType('part-dependency-failed'), title: 'Part dependency failed', status: 424 }

/** The `detail` of an origin's problem document, if the body is one. */
function originDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { detail?: unknown }
    return typeof body.detail === 'string' ? body.detail : undefined
  } catch {
    return undefined
  }
}

/** Rejects when `signal` aborts, even if the body read itself would not notice. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
