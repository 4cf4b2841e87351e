// Entry bundled by bench/rpc.mjs: the gateway's own cost of a transcoded route, in
// process (Node), with the network and the origin taken out. Two gateways built by
// createGateway answer the same stock row: REST→REST (the origin's JSON passed on) and
// REST→Connect (request message encoded, binary answer decoded and written as JSON).
// The inventory binding answers canned bytes at once. Bounded by iteration count.
import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf'
import { GetStockResponseSchema, StockItemSchema } from '../gen/switchyard/inventory/v1/inventory_pb'
import { workersConfig } from '../src/config/deployment'
import { createGateway } from '../app/gateway'
import { createLogger } from '../src/log'

const ROW = { sku: 'SKU-RED-MUG', name: 'Red mug', on_hand: 120, reserved: 0, available: 120, price_cents: 1200 }
const JSON_ROW = JSON.stringify(ROW)
const BINARY = toBinary(
  GetStockResponseSchema,
  create(GetStockResponseSchema, {
    item: create(StockItemSchema, { sku: ROW.sku, name: ROW.name, onHand: 120, reserved: 0, available: 120, priceCents: 1200 }),
  }),
)

/** The inventory origin as canned answers: JSON for its REST route, binary for its Connect one. */
const inventory = {
  fetch: async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    return url.pathname.endsWith('/GetStock')
      ? new Response(BINARY, { headers: { 'content-type': 'application/proto' } })
      : new Response(JSON_ROW, { headers: { 'content-type': 'application/json' } })
  },
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Runs `a` and `b` alternately (so load on the machine hits both alike); median µs of each. */
async function pair(iterations: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < 500; i++) await Promise.all([a(), b()]) // warm-up
  const samples: [number[], number[]] = [[], []]
  for (let i = 0; i < iterations; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const started = performance.now()
      await fn()
      samples[k]!.push((performance.now() - started) * 1000)
    }
  }
  return [median(samples[0]), median(samples[1])]
}

const show = (label: string, micros: number, iterations: number) =>
  console.log(`${label.padEnd(56)} ${micros.toFixed(1).padStart(7)} µs  (${iterations} requests)`)

export async function run(iterations = 5_000): Promise<void> {
  const gateway = createGateway(
    { ...workersConfig(), caching: { enabled: false, coalesce: false } },
    { bindings: () => inventory, logger: createLogger({ service: 'bench' }, () => {}) },
  )
  const call = async (path: string) => {
    const res = await gateway.fetch(new Request(`http://gw${path}`))
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return res.text()
  }
  if ((await call('/api/v2/stock/SKU-RED-MUG')) !== JSON_ROW) throw new Error('the transcoded row differs from the REST one')
  const [rest, rpc] = await pair(
    iterations,
    () => call('/api/v2/inventory/SKU-RED-MUG'),
    () => call('/api/v2/stock/SKU-RED-MUG'),
  )
  show('gateway, GET /api/v2/inventory/:sku (REST → REST)', rest, iterations)
  show('gateway, GET /api/v2/stock/:sku (REST → Connect binary)', rpc, iterations)
  console.log(`transcoding adds ${(rpc - rest).toFixed(1)} µs per request in process (ratio ${(rpc / rest).toFixed(2)})`)
  const codec = () =>
    JSON.stringify(
      toJson(GetStockResponseSchema, fromBinary(GetStockResponseSchema, BINARY), { useProtoFieldName: true, alwaysEmitImplicit: true }),
    )
  const started = performance.now()
  for (let i = 0; i < iterations * 10; i++) codec()
  show('of which: decode the binary answer, write JSON (mean)', ((performance.now() - started) * 1000) / (iterations * 10), iterations * 10)
}
