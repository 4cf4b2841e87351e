/**
 * Admin routes of the gateway itself (not proxied) that manage consumers and their
 * API keys; the policy is admin role with a bearer token (declared in routes/gateway.ts). A new key is shown once, in the answer that creates it;
 * the store keeps only its hash.
 *
 *   POST   /admin/consumers                      { name, scopes?, roles?, tier? } → 201
 *   GET    /admin/consumers                      → the consumers
 *   POST   /admin/consumers/:id/keys             → 201 { key, id, … } (the only time the key is seen)
 *   GET    /admin/consumers/:id/keys             → the keys' ids and dates (never a secret or hash)
 *   DELETE /admin/consumers/:id/keys/:keyId      → 204 (revoked: at once in this isolate, within the cache TTL in others)
 */
import type { Context, Handler } from 'hono'
import * as z from 'zod/mini'
import { ProblemError, problemType } from '../../wire/problem'
import { problems } from '../problem'
import { withinTrace } from '../tracing/within'
import type { GatewayEnv } from '../types'
import { hashSecret, newKey } from './key'
import type { ConsumerStore } from './store'
import { ReadOnlyStoreError } from './declared-store'
import type { KeyVerifier } from './verify'
import '../config/zod-locale'

export const ADMIN_PREFIX = '/admin/consumers'

const word = /^[A-Za-z0-9:._/-]{1,128}$/
const NewConsumer = z.lazy(() => z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/)),
  scopes: z._default(z.array(z.string().check(z.regex(word))).check(z.maxLength(64)), []),
  roles: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/))).check(z.maxLength(32)), []),
  tier: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,32}$/))),
}))

const unavailable = () =>
  ProblemError.of({
    type: problemType('api-keys-unavailable'),
    title: 'Service Unavailable',
    status: 503,
    detail: 'API keys are not enabled on this gateway (no GATEWAY_DB binding, no Redis).',
  })

/** The store's own failure (D1, Redis unreachable) is a 503 naming it, never a 500. */
const storeDown = (err: unknown) =>
  Object.assign(
    ProblemError.of({
      type: problemType('api-keys-unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail: 'The API key store cannot be reached; nothing may have been written. Try again.',
    }),
    { cause: err },
  )

/** The store with every failure turned into that 503. */
function guarded(store: ConsumerStore): ConsumerStore {
  const out = {} as Record<string, unknown>
  for (const name of Object.keys(store) as (keyof ConsumerStore)[]) {
    const call = store[name] as (...args: unknown[]) => Promise<unknown>
    out[name] = (...args: unknown[]) => call(...args).catch((err: unknown) => {
      // Declared keys (SWITCHYARD_API_KEYS): these routes can only read.
      if (err instanceof ReadOnlyStoreError) throw ProblemError.of({ ...problems.methodNotAllowed(['GET']), detail: err.message }, { Allow: 'GET' })
      throw storeDown(err)
    })
  }
  return out as unknown as ConsumerStore
}

async function jsonBody(c: Context<GatewayEnv>): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw ProblemError.of({ type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', status: 415, detail: 'Send application/json.' })
  }
  try {
    return await c.req.json()
  } catch {
    throw ProblemError.of(problems.badRequest('The body is not valid JSON.'))
  }
}

type AdminHandler = 'consumers-create' | 'consumers-list' | 'keys-create' | 'keys-list' | 'keys-revoke'

export function apiKeyAdminHandlers(backing: ConsumerStore | undefined, verifier?: KeyVerifier): Record<AdminHandler, Handler<GatewayEnv>> {
  const store = backing && guarded(backing)
  const need = () => {
    if (!store) throw unavailable()
    return store
  }
  const consumerOr404 = async (id: string) => {
    const consumer = await need().getConsumer(id)
    if (!consumer) throw ProblemError.of(problems.notFound(`No consumer ${id}.`))
    return consumer
  }

  const createConsumer: Handler<GatewayEnv> = async (c) => {
    const input = NewConsumer.safeParse(await jsonBody(c))
    if (!input.success) {
      throw ProblemError.of(problems.badRequest('Invalid consumer.', { errors: input.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message })) }))
    }
    const created = await need().createConsumer(input.data)
    if (created === 'exists') {
      throw ProblemError.of({ type: problemType('conflict'), title: 'Conflict', status: 409, detail: `A consumer named ${input.data.name} exists.` })
    }
    return c.json(created, 201, { Location: `${ADMIN_PREFIX}/${created.id}` })
  }
  const createKey: Handler<GatewayEnv> = async (c) => {
    const consumer = await consumerOr404(c.req.param('id')!)
    const { key, keyId, secret } = newKey()
    const info = await need().addKey(consumer.id, keyId, await hashSecret(secret))
    return c.json({ ...info, key }, 201, { 'Cache-Control': 'no-store' })
  }
  const revokeKey: Handler<GatewayEnv> = async (c) => {
    const consumer = await consumerOr404(c.req.param('id')!)
    if (!(await need().revokeKey(consumer.id, c.req.param('keyId')!))) {
      throw ProblemError.of(problems.notFound(`Consumer ${consumer.id} has no key ${c.req.param('keyId')!}.`))
    }
    verifier?.forget(c.req.param('keyId')!)
    return c.body(null, 204)
  }
  const handlers: Record<AdminHandler, Handler<GatewayEnv>> = {
    'consumers-create': createConsumer,
    'consumers-list': async (c) => c.json({ consumers: await need().listConsumers() }),
    'keys-create': createKey,
    'keys-list': async (c) => {
      const consumer = await consumerOr404(c.req.param('id')!)
      return c.json({ keys: await need().listKeys(consumer.id) })
    },
    'keys-revoke': revokeKey,
  }
  // Rare calls: each runs in the request's trace, so a Redis-backed store's calls are its client spans.
  for (const name of Object.keys(handlers) as AdminHandler[]) {
    const handler = handlers[name]
    handlers[name] = (c, next) => withinTrace(c.get('trace'), () => handler(c, next))
  }
  return handlers
}
