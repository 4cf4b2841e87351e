/**
 * The gateway's Hono apps: Hono's base class with the trie router. `new Hono()` routes
 * with SmartRouter, which on an app's first request adds every route to RegExpRouter,
 * is refused by it for the gateway's tables (UnsupportedPathError on
 * `/api/v1/users/:id`), adds them all again to TrieRouter and routes with that from then
 * on. Starting with TrieRouter routes the same way without that first-request detour,
 * and leaves RegExpRouter and SmartRouter out of the bundle (test/endpoint.test.ts
 * checks which router the gateway's app uses).
 */
import type { Env, Hono } from 'hono'
import { HonoBase } from 'hono/hono-base'
import { TrieRouter } from 'hono/router/trie-router'

/** `getPath`: as Hono's option of that name (the path an app routes on). */
export function createApp<E extends Env>(options: { getPath?: (request: Request) => string } = {}): Hono<E> {
  // `Hono` is HonoBase plus the default router: the same object as far as callers can tell.
  return new HonoBase<E>({ ...options, router: new TrieRouter() }) as Hono<E>
}
