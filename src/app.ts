/**
 * The gateway's Hono apps: Hono's base class with the trie router. `new Hono()` routes
 * with SmartRouter, which on an app's first request adds every route to RegExpRouter,
 * is refused by it for the gateway's tables (UnsupportedPathError on
 * `/api/v1/users/:id`), adds them all again to TrieRouter and routes with that from then
 * on. Starting with TrieRouter routes the same way without that first-request detour,
 * and leaves RegExpRouter and SmartRouter out of the bundle (test/endpoint.test.ts
 * checks which router the gateway's app uses).
 *
 * Each app also reads the incoming Request's `headers`, `method` and `url` once and keeps
 * them on it as plain properties: in workerd every read of those is a call into the
 * runtime (`headers` a new persistent handle each time), and the middlewares and Hono
 * read them some twenty-five times per request.
 */
import type { Env, Hono } from 'hono'
import { HonoBase } from 'hono/hono-base'
import { TrieRouter } from 'hono/router/trie-router'

/** `getPath`: as Hono's option of that name (the path an app routes on). */
export function createApp<E extends Env>(options: { getPath?: (request: Request) => string } = {}): Hono<E> {
  // `Hono` is HonoBase plus the default router: the same object as far as callers can tell.
  const app = new HonoBase<E>({ ...options, router: new TrieRouter() }) as Hono<E>
  const fetch = app.fetch
  app.fetch = (request, env, executionCtx) => fetch(readOnce(request), env, executionCtx)
  return app
}

/** `request` with its headers, method and URL as own properties (the same values, read once). */
function readOnce(request: Request): Request {
  if (Object.hasOwn(request, 'headers')) return request
  Object.defineProperties(request, {
    headers: { value: request.headers },
    method: { value: request.method },
    url: { value: request.url },
  })
  return request
}
