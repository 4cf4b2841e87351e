/**
 * Editing the headers of the response a middleware finds after `next()`: on the response
 * itself (Hono's `c.header` copies a finalized response first), and on a copy only when
 * its headers are immutable (a fetched response), where the first write throws.
 */
import type { Context } from 'hono'
import type { GatewayEnv } from '../src/types'

export function editResponseHeaders(c: Context<GatewayEnv>, edit: (headers: Headers) => void): void {
  try {
    edit(c.res.headers)
  } catch {
    c.res = new Response(c.res.body, c.res)
    edit(c.res.headers)
  }
}

/** Adds field names to `Vary` once each (case-insensitively); `*` already covers all. */
export function appendVary(headers: Headers, names: string[]): void {
  const vary = headers.get('vary')
  if (vary === null) {
    // Nothing to merge with (the usual case): the names as they are.
    if (names.length > 0) headers.set('Vary', names.join(', '))
    return
  }
  const current: string[] = []
  for (const part of vary.split(',')) {
    const name = part.trim()
    if (name === '*') return
    if (name) current.push(name)
  }
  const seen = current.map((s) => s.toLowerCase())
  const merged = current.slice()
  for (const name of names) if (!seen.includes(name.toLowerCase())) merged.push(name)
  if (merged.length > current.length) headers.set('Vary', merged.join(', '))
}
