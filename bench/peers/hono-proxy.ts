// The baseline of `npm run bench:peers`: a bare Hono proxy() gateway — no auth, limits,
// tracing or problem+json. The same file runs under `deno serve` (origins at
// USERS_URL / INVENTORY_URL) and in workerd (origins as USERS / INVENTORY bindings).
import { Hono } from 'hono'
import { proxy } from 'hono/proxy'

declare const Deno: { env: { get(name: string): string | undefined } } | undefined
type Origin = { fetch(req: Request): Promise<Response> }
const env = (name: string) => (typeof Deno === 'undefined' ? undefined : Deno.env.get(name))

const app = new Hono<{ Bindings: Record<string, Origin | undefined> }>()
app.get('/api/v2/:service{users|inventory}/*', (c) => {
  const service = c.req.param('service')
  const url = new URL(c.req.url)
  const binding = c.env?.[service.toUpperCase()]
  const base = binding ? 'http://origin.internal' : env(`${service.toUpperCase()}_URL`)
  return proxy(`${base}${url.pathname.slice('/api/v2'.length)}${url.search}`, {
    ...c.req,
    customFetch: binding && ((req: Request) => binding.fetch(req)),
  })
})
export default app
