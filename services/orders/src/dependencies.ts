/**
 * What orders asks other services before accepting an order, over service bindings
 * (each call a span of the order's trace): does the user exist, and what does the
 * catalogue charge for each SKU.
 */
import { ProblemError } from '../../shared/problem'
import { originFetch } from '../../shared/tracing'

/** An origin-to-origin call must not outlive the request that needs it. */
const CALL_TIMEOUT_MS = 5000

const dependencyFailed = (service: string, what: string, status: number | null) =>
  new ProblemError({
    status: 502,
    type: 'dependency-failed',
    title: `${service[0]!.toUpperCase()}${service.slice(1)} unavailable`,
    detail: `The ${service} service failed while ${what}; nothing was ordered.`,
    extensions: { dependency: service, dependency_status: status },
  })

async function call(binding: Fetcher, service: string, url: string, what: string): Promise<Response> {
  try {
    return await originFetch(binding, service)(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
  } catch {
    throw dependencyFailed(service, what, null)
  }
}

/** 422 when user `id` does not exist (an admin ordering for someone unknown). */
export async function requireUser(users: Fetcher, id: number): Promise<void> {
  const res = await call(users, 'users', `https://users/users/${id}`, 'looking up the user')
  await res.body?.cancel()
  if (res.status === 404) {
    throw new ProblemError({
      status: 422,
      type: 'unknown-user',
      title: 'Unknown user',
      detail: `User ${id} does not exist; orders are placed for existing users only.`,
      extensions: { user_id: id },
    })
  }
  if (!res.ok) throw dependencyFailed('users', 'looking up the user', res.status)
}

/** Catalogue price of each SKU; SKUs the catalogue does not know are missing from the map. */
export async function catalogue(inventory: Fetcher, skus: string[]): Promise<Map<string, number>> {
  const url = `https://inventory/inventory?skus=${encodeURIComponent(skus.join(','))}`
  const res = await call(inventory, 'inventory', url, 'reading prices')
  const body = res.ok ? await res.json<{ data?: { sku: string; price_cents: number }[] }>().catch(() => null) : null
  if (!res.ok || !Array.isArray(body?.data)) {
    await res.body?.cancel().catch(() => undefined)
    throw dependencyFailed('inventory', 'reading prices', res.status)
  }
  return new Map(body.data.map((item) => [item.sku, item.price_cents]))
}
