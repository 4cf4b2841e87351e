import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startOriginServers } from '../../scripts/origins.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'
// @ts-expect-error plain ESM scripts shared with dev tooling
import { startOtlpReceiver } from '../../scripts/otlp-receiver.mjs'

interface Span {
  service: string
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: string
  attributes: Record<string, unknown>
}
interface Running {
  base: string
  stop: () => void
  output: () => string
}

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const P = '00f067aa0ba902b7'

let receiver: { url: string; spans: () => Span[]; close: () => Promise<void> }
let origins: { urls: Record<string, string>; dispose: () => Promise<void> }

beforeAll(async () => {
  receiver = await startOtlpReceiver()
  origins = await startOriginServers({ vars: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } })
})

afterAll(async () => {
  await origins?.dispose()
  await receiver?.close()
})

async function spansOf(traceId: string, done: (s: Span[]) => boolean): Promise<Span[]> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const spans = receiver.spans().filter((s) => s.traceId === traceId)
    if (done(spans)) return spans
    if (Date.now() > deadline) throw new Error(`incomplete trace: ${JSON.stringify(spans, null, 1)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One traced request through the gateway; what the origin received and what came back. */
async function tracedCall(gw: Running, traceId: string) {
  await fetch(`${origins.urls.inventory}/__faults/stats`, { method: 'DELETE' })
  // A public route: no token to mint.
  const res = await fetch(`${gw.base}/api/v2/inventory/SKU-RED-MUG`, {
    headers: { traceparent: `00-${traceId}-${P}-01`, tracestate: 'congo=t61rcWkgMzE' },
  })
  expect(res.status).toBe(200)
  const stats = (await (await fetch(`${origins.urls.inventory}/__faults/stats`)).json()) as {
    lastHeaders: Record<string, string>
  }
  const [, tid, parent] = (stats.lastHeaders.traceparent ?? '').split('-')
  const [, rid, responder] = (res.headers.get('traceresponse') ?? '').split('-')
  return { tid, parent, tracestate: stats.lastHeaders.tracestate, rid, responder }
}

describe.each<[string, Record<string, string>]>([
  // Deno's built-in OpenTelemetry: it makes the server and fetch spans and exports them.
  ['Deno OTEL_DENO mode', { OTEL_DENO: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' }],
  // The gateway's own SDK and OTLP exporter, as on Workers.
  ['gateway SDK export', {}],
])('tracing under deno serve: %s', (_mode, vars) => {
  let gw: Running

  beforeAll(async () => {
    gw = await startDenoGateway({
      urls: origins.urls,
      port: await freePort(),
      env: { ...vars, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'switchyard-gateway' },
    })
  })

  afterAll(() => gw?.stop())

  it('continues the trace to the origin with a new parent id and the tracestate', async () => {
    const traceId = vars.OTEL_DENO ? T : `5${T.slice(1)}`
    const call = await tracedCall(gw, traceId)
    expect(call.tid).toBe(traceId)
    expect(call.parent).toMatch(/^[0-9a-f]{16}$/)
    expect(call.parent).not.toBe(P)
    expect(call.tracestate).toBe('congo=t61rcWkgMzE')
    expect(call.rid).toBe(traceId)

    // gateway server span → gateway client span → inventory server span, all exported.
    const spans = await spansOf(traceId, (s) => s.length >= 3)
    const server = spans.find((s) => s.service === 'switchyard-gateway' && s.kind === 'SERVER')!
    expect(server).toMatchObject({ parentSpanId: P, spanId: call.responder, name: 'GET /api/v2/inventory/:sku' })
    expect(server.attributes['http.route']).toBe('/api/v2/inventory/:sku')
    const client = spans.find((s) => s.service === 'switchyard-gateway' && s.kind === 'CLIENT')!
    expect(client).toMatchObject({ parentSpanId: server.spanId, spanId: call.parent })
    const origin = spans.find((s) => s.service === 'switchyard-inventory')!
    expect(origin).toMatchObject({ kind: 'SERVER', parentSpanId: client.spanId })

    // The access log line carries the same ids.
    const line = gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request' && l.trace_id === traceId)
    expect(line).toMatchObject({ trace_id: traceId, span_id: server.spanId })
  })
})
