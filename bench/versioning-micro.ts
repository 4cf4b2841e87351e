// Entry bundled by bench/versioning.mjs for the micro benchmark: the per-request
// work versioning adds, without the network. Bounded by iteration count.
import { contractFor } from '../src/versioning/contracts'
import { downgrade } from '../src/versioning/transforms'
import { negotiate } from '../src/versioning/negotiate'
import { requestValidator } from '../src/versioning/validate'
import { v1Changes } from '../routes/v1'

const policy = { supported: ['v1', 'v2'], defaultVersion: 'v2' }
const user = { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'customer', created_at: '2026-01-01T09:00:00.000Z' }
const order = {
  user_id: 2,
  currency: 'EUR',
  items: [
    { sku: 'SKU-RED-MUG', quantity: 2, unit_price_cents: 1200 },
    { sku: 'SKU-BLUE-CAP', quantity: 1, unit_price_cents: 1500 },
  ],
}

function time(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < 1000; i++) fn() // warm-up
  const started = performance.now()
  for (let i = 0; i < iterations; i++) fn()
  const micros = ((performance.now() - started) * 1000) / iterations
  console.log(`${label.padEnd(54)} ${micros.toFixed(2).padStart(7)} µs/op  (${iterations} ops)`)
}

export function run(iterations = 100_000): void {
  const byPath = new Request('http://gw/api/v2/users/1')
  const byHeaders = new Request('http://gw/api/users/1?version=2', {
    headers: { accept: 'application/vnd.switchyard.v2+json, */*;q=0.1', 'api-version': '2' },
  })
  time('negotiate: path only', iterations, () => negotiate(byPath, '/api/v2/users/1', policy))
  time('negotiate: Accept + API-Version + query', iterations, () => negotiate(byHeaders, '/api/users/1', policy))
  const userChange = [v1Changes.routes['GET /users/:id']!]
  time('downgrade v2→v1 user (parse + transform + stringify)', iterations, () =>
    JSON.stringify(downgrade(JSON.parse(JSON.stringify(user)), userChange)),
  )
  const createOrder = requestValidator(contractFor('orders', 'POST', '/orders')!)
  const renames = { body: [], query: [] }
  time('validate POST /orders body (JSON Schema, published contract)', iterations, () =>
    createOrder({ params: {}, query: new URLSearchParams(), body: order }, renames),
  )
}
