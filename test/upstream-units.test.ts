import { describe, expect, it, vi } from 'vitest'
import { ProblemError } from '../wire/problem'
import { isRetryable, withRetry } from '../src/upstream/retry'
import { retryAfterMs } from '../wire/retry-after'
import { RetryBudget } from '../src/upstream/retry-budget'
import { withTimeout } from '../src/upstream/timeout'
import { bindingTransport, urlTransport } from '../src/upstream/transport'
import type { CallContext, Upstream } from '../src/upstream/types'

const ctx: CallContext = { service: 'users', route: '/users/:id', requestId: 'r-1', waitUntil: () => {} }

describe('RetryBudget', () => {
  it('allows retries up to the ratio of recent requests, and forgets requests older than the window', () => {
    let now = 10_000
    const budget = new RetryBudget({ ratio: 0.2, minRetries: 0, windowMs: 1000, now: () => now })
    expect(budget.tryRetry()).toBe(false)
    for (let i = 0; i < 10; i++) budget.recordRequest()
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false])
    expect(budget.status()).toEqual({ requests: 10, retries: 2, available: 0 })
    now += 1100
    expect(budget.status()).toEqual({ requests: 0, retries: 0, available: 0 })
    for (let i = 0; i < 5; i++) budget.recordRequest()
    expect([budget.tryRetry(), budget.tryRetry()]).toEqual([true, false])
  })

  it('minRetries is a floor for quiet services', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetries: 2, windowMs: 1000, now: () => 0 })
    budget.recordRequest()
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false])
  })
})

describe('retry rules', () => {
  const req = (method: string, headers: Record<string, string> = {}) => new Request('http://users.internal/users/1', { method, headers })

  it('retries idempotent methods, and POST or PATCH only with an Idempotency-Key the gateway holds', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) expect(isRetryable(req(m))).toBe(true)
    const held = { idempotencyKey: 'k-1' }
    expect(isRetryable(req('POST'))).toBe(false)
    expect(isRetryable(req('PATCH'))).toBe(false)
    // A key header alone (a route that does not declare idempotency) is not enough.
    expect(isRetryable(req('POST', { 'Idempotency-Key': '"k-1"' }))).toBe(false)
    expect(isRetryable(req('PATCH', { 'Idempotency-Key': '"k-1"' }), {})).toBe(false)
    expect(isRetryable(req('POST', { 'Idempotency-Key': '"k-1"' }), held)).toBe(true)
    expect(isRetryable(req('PATCH', { 'Idempotency-Key': '"k-1"' }), held)).toBe(true)
  })

  it('reads Retry-After as delay-seconds or an HTTP-date, and ignores anything else', () => {
    expect(retryAfterMs('3')).toBe(3000)
    expect(retryAfterMs(null)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
    expect(retryAfterMs('-1')).toBeUndefined()
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString()
    expect(retryAfterMs(inTwoMinutes)).toBeGreaterThan(100_000)
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0)
  })
})

describe('withTimeout', () => {
  it('answers 504 on time even when the upstream ignores its abort signal', async () => {
    // A double: no real origin ignores an abort, but a buggy decorator below could.
    const deaf = () => new Promise<Response>(() => {})
    // The upstream never settles: any answer at all is the timeout's own.
    const call = withTimeout({ ms: 100, scope: 'try' })(deaf)(new Request('http://users.internal/users/1'), ctx)
    await expect(call).rejects.toBeInstanceOf(ProblemError)
    await expect(call).rejects.toMatchObject({ problem: { status: 504, timeout: 'try' } })
  })

  it('passes the caller’s own abort through unchanged, not as a timeout', async () => {
    const caller = new AbortController()
    const upstream = (req: Request) =>
      new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason)))
    const call = withTimeout({ ms: 5000, scope: 'try' })(upstream)(new Request('http://users.internal/users/1'), {
      ...ctx,
      signal: caller.signal,
    })
    caller.abort(new DOMException('client left', 'AbortError'))
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('the deadline over a per-try timeout', () => {
  const deaf: Upstream = () => new Promise<Response>(() => {})
  const stack = (deadlineMs: number, perTryMs: number, inner: Upstream) =>
    withTimeout({ ms: deadlineMs, scope: 'deadline' })(withTimeout({ ms: perTryMs, scope: 'try' })(inner))
  const call = (upstream: Upstream) => upstream(new Request('http://users.internal/users/1'), ctx)

  it("answers as the deadline when it is the nearer bound, and aborts the attempt with the deadline's reason", async () => {
    let seen: unknown
    const listening: Upstream = (_req, { signal }) =>
      new Promise<Response>((_, reject) => signal!.addEventListener('abort', () => reject((seen = signal!.reason))))
    await expect(call(stack(60, 5000, listening))).rejects.toMatchObject({ problem: { status: 504, timeout: 'deadline', timeout_ms: 60 } })
    expect(seen).toMatchObject({ name: 'TimeoutError', message: 'timed out after 60 ms' })
    // Equal bounds: the deadline answers, as it did with a timer of its own set first.
    await expect(call(stack(60, 60, deaf))).rejects.toMatchObject({ problem: { timeout: 'deadline', timeout_ms: 60 } })
    // A route's own deadline shorter than the service's per-try timeout.
    const route = stack(5000, 5000, deaf)
    await expect(route(new Request('http://users.internal/users/1'), { ...ctx, timeouts: { deadlineMs: 50 } })).rejects.toMatchObject({
      problem: { timeout: 'deadline', timeout_ms: 50 },
    })
  })

  it('answers as the per-try timeout when that is nearer', async () => {
    await expect(call(stack(5000, 50, deaf))).rejects.toMatchObject({ problem: { status: 504, timeout: 'try', timeout_ms: 50 } })
  })

  it('bounds the call alone when nothing below bounds it', async () => {
    await expect(call(withTimeout({ ms: 50, scope: 'deadline' })(deaf))).rejects.toMatchObject({ problem: { timeout: 'deadline' } })
  })

  it("a caller that leaves aborts the attempt with the caller's reason, also once the answer has arrived", async () => {
    const caller = new AbortController()
    const left = new DOMException('client left', 'AbortError')
    let attempt: AbortSignal | undefined
    const answering: Upstream = async (_req, { signal }) => {
      attempt = signal
      return new Response('streaming')
    }
    await stack(5000, 300, answering)(new Request('http://users.internal/users/1'), { ...ctx, signal: caller.signal })
    caller.abort(left)
    expect([attempt!.aborted, attempt!.reason]).toEqual([true, left])

    const leaving = new AbortController()
    const listening: Upstream = (_req, { signal }) =>
      new Promise<Response>((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason)))
    const call = stack(5000, 300, listening)(new Request('http://users.internal/users/1'), { ...ctx, signal: leaving.signal })
    leaving.abort(left)
    await expect(call).rejects.toBe(left)
  })

  it('runs one timer for a call answered at the first attempt, and clears it', async () => {
    const set = vi.spyOn(globalThis, 'setTimeout')
    const cleared = vi.spyOn(globalThis, 'clearTimeout')
    try {
      const res = await call(stack(5000, 300, async () => new Response('ok')))
      expect(await res.text()).toBe('ok')
      expect(set.mock.calls.map(([, ms]) => ms)).toEqual([300])
      expect(cleared).toHaveBeenCalledTimes(1)
    } finally {
      set.mockRestore()
      cleared.mockRestore()
    }
  })
})

describe("the first attempt aborts through the Request's own signal", () => {
  it('hands a binding that Request as it is, and a later attempt a signal of its own', async () => {
    const sent: { req: Request; signal: AbortSignal | undefined }[] = []
    const binding = {
      fetch: (req: Request, init?: RequestInit) => {
        sent.push({ req, signal: init?.signal ?? undefined })
        const signal = init?.signal ?? req.signal
        return new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      },
    }
    const requestAbort = new AbortController()
    const req = new Request('http://users.internal/users/1', { signal: requestAbort.signal })
    const attempt = withTimeout({ ms: 50, scope: 'try' })(bindingTransport(binding as unknown as Fetcher))
    const call = { ...ctx, requestAbort }
    await expect(attempt(req, call)).rejects.toMatchObject({ problem: { status: 504, timeout: 'try' } })
    expect([sent[0]!.req, sent[0]!.signal, req.signal.aborted]).toEqual([req, undefined, true])
    // A retry of the same call: the Request's signal is spent, the attempt has its own.
    await expect(attempt(req, call)).rejects.toMatchObject({ problem: { status: 504, timeout: 'try' } })
    expect(sent[1]!.req).toBe(req)
    expect(sent[1]!.signal).not.toBe(req.signal)
    expect(sent[1]!.signal!.reason).toMatchObject({ name: 'TimeoutError' })
  })
})

describe('the retry layer', () => {
  it("sends later attempts with their resend count and without the Request's own abort, which stays the first attempt's", async () => {
    const seen: Pick<CallContext, 'resendCount' | 'requestAbort'>[] = []
    const origin: Upstream = async (_req, call) => {
      seen.push({ resendCount: call.resendCount, requestAbort: call.requestAbort })
      return new Response(null, { status: seen.length < 3 ? 503 : 200 })
    }
    const budget = new RetryBudget({ ratio: 1, minRetries: 10, windowMs: 1000 })
    const retrying = withRetry({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0, budget })(origin)
    const requestAbort = new AbortController()
    const res = await retrying(new Request('http://users.internal/users/1', { signal: requestAbort.signal }), { ...ctx, requestAbort })
    expect(res.status).toBe(200)
    expect(seen).toEqual([
      { resendCount: undefined, requestAbort },
      { resendCount: 1, requestAbort: undefined },
      { resendCount: 2, requestAbort: undefined },
    ])
  })
})

describe('urlTransport', () => {
  /** The fetch a URL transport calls, recording what it would send (no network in a unit test). */
  const recording = () => {
    const sent: Request[] = []
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Request(input, init))
      return new Response('ok')
    }) as typeof fetch
    return { sent, fetchImpl }
  }

  it("sends to the base's host and path prefix, the request's path and query after it", async () => {
    const { sent, fetchImpl } = recording()
    const transport = urlTransport('http://user:pw@origin.test:8080/base/?ignored=1', fetchImpl)
    await transport(new Request('http://users.internal/users/1?x=%20y&z'), ctx)
    // A path that looks like an authority stays a path: the host is always the base's.
    await transport(new Request('http://users.internal//evil.example/a'), ctx)
    expect(sent.map((r) => r.url)).toEqual(['http://origin.test:8080/base/users/1?x=%20y&z', 'http://origin.test:8080/base//evil.example/a'])
  })

  it("keeps the request's method, headers and body, and hands the call's signal to the fetch", async () => {
    const { sent, fetchImpl } = recording()
    const caller = new AbortController()
    const req = new Request('http://users.internal/users', { method: 'POST', headers: { 'x-a': '1' }, body: 'hi' })
    await urlTransport('http://origin.test', fetchImpl)(req, { ...ctx, signal: caller.signal })
    const [out] = sent
    expect([out!.method, out!.headers.get('x-a'), await out!.text(), out!.signal.aborted]).toEqual(['POST', '1', 'hi', false])
    caller.abort(new DOMException('client left', 'AbortError'))
    expect(out!.signal.aborted).toBe(true)
  })
})
