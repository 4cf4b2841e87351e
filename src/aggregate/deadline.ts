/**
 * An AbortSignal that fires after `ms`, with the timer cleared once the work is done.
 * `AbortSignal.timeout()` cannot be cleared, so every finished part would leave a timer
 * pending until its full timeout.
 */
export function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms)
  return { signal: controller.signal, clear: () => clearTimeout(timer) }
}
