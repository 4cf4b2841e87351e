/**
 * Calls to the inventory Worker over the INVENTORY service binding. Each call is a
 * span of the order's trace and carries its own `traceparent` (a binding carries
 * only the headers set here).
 */
import { originFetch, traceLogFields } from '../../shared/tracing'

/** An origin-to-origin call must not outlive the request that needs it. */
const CALL_TIMEOUT_MS = 5000

export type ReserveOutcome =
  | { ok: true; reservationId: number }
  /** `status` 0 means no HTTP answer (timeout, dropped connection). */
  | { ok: false; status: number; problem?: { type?: string; detail?: string } | undefined }

const call = (inventory: Fetcher, sku: string, action: 'reserve' | 'release', body: object) =>
  originFetch(inventory, 'inventory')(`https://inventory/inventory/${encodeURIComponent(sku)}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  })

export async function reserveStock(
  inventory: Fetcher,
  item: { sku: string; quantity: number },
  orderId: number,
): Promise<ReserveOutcome> {
  let res: Response
  try {
    res = await call(inventory, item.sku, 'reserve', { quantity: item.quantity, order_id: orderId })
  } catch (err) {
    log('reserve failed', { sku: item.sku, order_id: orderId, error: String(err) })
    return { ok: false, status: 0 }
  }
  const body = await res.json<{ reservation_id?: unknown; type?: string; detail?: string }>().catch(() => null)
  if (res.status === 201) {
    if (typeof body?.reservation_id === 'number') return { ok: true, reservationId: body.reservation_id }
    // Created, but the body was cut off: stock may be held under this order_id with an
    // id we never learned, so it cannot be released from here. Logged for follow-up.
    log('reserve answer unreadable', { sku: item.sku, order_id: orderId })
    return { ok: false, status: 0 }
  }
  return { ok: false, status: res.status, problem: body ?? undefined }
}

/** Best effort: a failed release is logged, never raised, so it cannot mask the original failure. */
export async function releaseAll(
  inventory: Fetcher,
  held: { sku: string; reservationId: number }[],
): Promise<void> {
  await Promise.all(
    held.map(async ({ sku, reservationId }) => {
      try {
        const res = await call(inventory, sku, 'release', { reservation_id: reservationId })
        await res.body?.cancel()
        if (!res.ok) log('release refused', { sku, reservation_id: reservationId, status: res.status })
      } catch (err) {
        log('release failed', { sku, reservation_id: reservationId, error: String(err) })
      }
    }),
  )
}

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ level: 'warn', msg, service: 'orders', ...traceLogFields(), ...fields }))
}
