/**
 * Asks again until the gateway answers from its cache. A response is stored after it is
 * sent (in `waitUntil` on Workers, in a task of its own on Deno), so on a slow machine the
 * next request may still miss. Returns the hit and how many answers before it missed
 * (each went to the origin), so a test can still count origin calls exactly.
 */
export async function untilCacheHit(ask: () => Promise<Response>, tries = 50): Promise<{ hit: Response; misses: number }> {
  for (let misses = 0; misses < tries; misses++) {
    const res = await ask()
    if (/^switchyard; hit/.test(res.headers.get('cache-status') ?? '')) return { hit: res, misses }
    await res.body?.cancel()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no cache hit in ${tries} requests`)
}
