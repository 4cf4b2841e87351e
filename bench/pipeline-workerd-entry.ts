// The Worker bench/pipeline-workerd.mjs runs: bench/pipeline-harness.ts inside workerd.
// `GET /?case=<hono|token|public>&n=<calls>` makes that many calls through the app, one
// after another, each with its own URL, and answers how many were 200.
import { buildHarness } from './pipeline-harness'

const PATHS = { hono: '/api/v2/users/1', token: '/api/v2/users/1', public: '/api/v2/inventory/SKU-RED-MUG' }
let harness: ReturnType<typeof buildHarness> | undefined
let seq = 0

export default {
  async fetch(req: Request, _env: unknown, ctx: ExecutionContext): Promise<Response> {
    const { hono, switchyard, token } = await (harness ??= buildHarness('workers'))
    const params = new URL(req.url).searchParams
    const which = params.get('case') as keyof typeof PATHS
    const app = which === 'hono' ? hono : switchyard
    const headers: Record<string, string> = which === 'token' ? { authorization: `Bearer ${token}` } : {}
    let ok = 0
    for (let i = Number(params.get('n')); i > 0; i--) {
      const res = await app.fetch(new Request(`http://gateway.bench${PATHS[which]}?n=${seq++}`, { headers }), {}, ctx)
      await res.arrayBuffer()
      if (res.status === 200) ok++
    }
    return Response.json({ ok })
  },
}
