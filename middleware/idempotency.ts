import type { Context, MiddlewareHandler } from 'hono'
import { requestFingerprint } from '../src/idempotency/fingerprint'
import { parseIdempotencyKey } from '../src/idempotency/key'
import { idempotencyProblems } from '../src/idempotency/problems'
import { answerRecord, isFinal, lockRecord, parseRecord, replay, type IdempotencyRecord } from '../src/idempotency/record'
import type { IdempotencyStore } from '../src/idempotency/store'
import { readBody } from '../src/proxy/body'
import { ProblemError, type Problem } from '../wire/problem'
import { problems } from '../src/problem'
import { addressKey } from '../src/ratelimit/client-key'
import { recordDecision } from '../src/tracing/decisions'
import { storeCallIn } from '../src/tracing/within'
import type { GatewayEnv } from '../src/types'
import { clientPath } from '../src/problem'

export interface IdempotencyOptions {
  store: IdempotencyStore
  /** A POST or PATCH without a key → 400 (default: it passes, without the guarantee). */
  required?: boolean
  /** How long an answer is replayed (default 24 h). */
  ttlSeconds?: number
  /** How long a key stays locked by a request that never finishes (default 60 s). */
  lockSeconds?: number
  /** Store down or slow: `closed` (default) → 503; `open` → processed without the guarantee. */
  failure?: 'closed' | 'open'
  /** `Retry-After` of the 409 and the 503 (default 1). */
  retryAfterSeconds?: number
  /** Longest key, in characters (default 255). */
  maxKeyLength?: number
  /** Largest answer body stored for replay (default 256 KiB). */
  maxBodyBytes?: number
  /** The client address as the platform saw it: the key's owner when no caller is verified. */
  clientIp?: (c: Context<GatewayEnv>) => string | undefined
}

const HEADER = 'idempotency-key'

/**
 * Idempotency keys (draft-ietf-httpapi-idempotency-key-header) for one POST or PATCH
 * route. The first request under a caller's key locks it, runs, and its final answer
 * (2xx, or a 4xx other than 408/425/429) is stored with a SHA-256 fingerprint of
 * method, path, query and body for `ttlSeconds`. A repeat with the same fingerprint gets
 * that answer replayed with `Idempotent-Replayed: true`; another fingerprint → 422;
 * while the first still runs → 409 with `Retry-After`. A 5xx, timeout or unreachable
 * origin releases the key, so the client can retry. Keys are scoped per caller (the
 * verified subject, else the client address): two callers never share one.
 *
 * Mount it after auth (it needs the caller) and after body validation (a refused body
 * never locks a key). While it holds a key it sets the `idempotencyKey` variable, which
 * lets the upstream retry layer resend the POST or PATCH.
 *
 * @example
 * ```ts
 * app.post('/api/v2/orders', idempotency({ store: createMemoryStore(), clientIp }), handler)
 * ```
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<GatewayEnv> {
  const {
    store,
    required = false,
    ttlSeconds = 24 * 3600,
    lockSeconds = 60,
    failure = 'closed',
    retryAfterSeconds = 1,
    maxKeyLength = 255,
    maxBodyBytes = 256 * 1024,
  } = options
  const clientIp = options.clientIp ?? (() => undefined)
  const retryAfter = { 'Retry-After': String(retryAfterSeconds) }
  // In the request's trace: a Redis-backed store's calls are its client spans.
  const traced = <T>(c: Context<GatewayEnv>, call: () => Promise<T>): Promise<T> => storeCallIn(store, c.get('trace'), call)

  return async (c, next) => {
    if (c.req.method !== 'POST' && c.req.method !== 'PATCH') return next()
    const header = c.req.header(HEADER)
    // Answered here, before the route's handler (the access log names it by endpointOf).
    const answer = (res: Response, outcome: string) => {
      recordDecision(c.get('trace'), 'idempotency', { outcome })
      return res
    }
    const problem = (p: Problem, outcome: string, headers?: HeadersInit) =>
      answer(ProblemError.of(p, headers).toResponse(clientPath(c)), outcome)

    if (header === undefined) {
      return required ? problem(idempotencyProblems.missing(), 'missing') : next()
    }
    const parsed = parseIdempotencyKey(header, maxKeyLength)
    if (!parsed.ok) return problem(idempotencyProblems.malformed(parsed.detail), 'malformed')

    const body = await readBody(c)
    const fingerprint = await requestFingerprint(c.req.method, c.req.path + new URL(c.req.url).search, body)
    const identity = c.get('identity')
    const owner = identity ? `u:${encodeURIComponent(identity.sub)}` : `ip:${addressKey(clientIp(c), 64)}`
    // One hash tag per caller: every key of a caller lands on one cluster slot.
    const key = `{${owner}}:${parsed.key}`
    const lock = lockRecord(fingerprint)

    let held: string | null
    try {
      held = await traced(c, () => store.claim(key, lock, lockSeconds * 1000))
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      if (failure === 'open') {
        c.get('logger')?.log('warn', 'idempotency store failed; processing without the guarantee', { error })
        recordDecision(c.get('trace'), 'idempotency', { outcome: 'fail-open' })
        return next()
      }
      c.get('logger')?.log('warn', 'idempotency store failed; refusing the keyed request', { error })
      return problem(idempotencyProblems.unavailable(retryAfterSeconds), 'fail-closed', retryAfter)
    }

    if (held !== null) {
      const record: IdempotencyRecord | null = parseRecord(held)
      if (!record) {
        c.get('logger')?.log('error', 'unreadable idempotency record', { key: parsed.key })
        return problem(idempotencyProblems.unavailable(retryAfterSeconds), 'unreadable', retryAfter)
      }
      if (record.fingerprint !== fingerprint) return problem(idempotencyProblems.reused(), 'reused')
      if (record.state === 'in-flight') return problem(idempotencyProblems.inFlight(retryAfterSeconds), 'in-flight', retryAfter)
      return answer(replay(record), 'replayed')
    }

    recordDecision(c.get('trace'), 'idempotency', { outcome: 'first' })
    c.set('idempotencyKey', parsed.key)
    await next()
    await settle(c, key, lock, fingerprint)
  }

  /** Stores the first request's final answer under its key, or releases the key. */
  async function settle(c: Context<GatewayEnv>, key: string, lock: string, fingerprint: string): Promise<void> {
    const logger = c.get('logger')
    const res = c.res
    const free = (reason: string) =>
      traced(c, () => store.release(key, lock)).then(
        () => logger?.log('info', 'idempotency key released', { reason, status: res.status }),
        (err: unknown) => logger?.log('warn', 'idempotency key not released; it unlocks when its lock expires', { reason, error: String(err) }),
      )
    if (!isFinal(res.status)) return free(`status ${res.status}`)
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await res.arrayBuffer())
    } catch {
      await free('answer body failed')
      throw ProblemError.of(problems.badGateway(c.get('upstream') ?? 'origin', 'The origin dropped the connection while answering.'))
    }
    // Reset first: assigning over a response merges the old headers (Content-Length) in.
    c.res = undefined
    c.res = new Response(res.status === 204 || res.status === 205 ? null : bytes, res)
    if (bytes.length > maxBodyBytes) return free('answer too large to store')
    try {
      const record = answerRecord(fingerprint, res.status, res.headers, bytes)
      const stored = await traced(c, () => store.complete(key, lock, record, ttlSeconds * 1000))
      if (!stored) logger?.log('warn', 'idempotency lock expired before the answer was stored', { status: res.status })
    } catch (err) {
      logger?.log('warn', 'idempotency answer not stored; the key unlocks when its lock expires', { error: String(err) })
    }
  }
}
