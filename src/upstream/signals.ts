/**
 * Why a call was aborted. Timeouts abort with a `TimeoutError` (what
 * `AbortSignal.timeout()` uses); a client that went away aborts with anything else.
 * Outlier detection and the breaker count timeouts, never a client's disconnect.
 */
export function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError'
}

/** True when the call's signal fired for a reason other than a timeout. */
export function clientGone(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !isTimeout(signal.reason)
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
