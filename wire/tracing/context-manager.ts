/**
 * OpenTelemetry's active context over `AsyncLocalStorage` (workerd with
 * `nodejs_compat`, Deno, Node), so code that is handed no context — jose's JWKS
 * fetch, the Redis client — still finds the request's span.
 *
 * Hand-written rather than `@opentelemetry/context-async-hooks`: that package imports
 * the bare `async_hooks` and `events` specifiers (which the Workers bundles here keep
 * external only as `node:*`) and mostly exists to patch Node's EventEmitter, which
 * nothing here uses. What is left is these few lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api'

export class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>()

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    // The usual call (`context.with(ctx, fn)`) needs no wrapper closure.
    if (thisArg === undefined && args.length === 0) return this.#storage.run(ctx, fn as () => ReturnType<F>)
    return this.#storage.run(ctx, () => fn.apply(thisArg, args))
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target
    const fn = target as (...args: unknown[]) => unknown
    const manager = this
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => fn.apply(this, args))
    } as T
  }

  enable(): this {
    return this
  }

  disable(): this {
    this.#storage.disable()
    return this
  }
}

let registered = false

/**
 * Installs the manager once per isolate. Where the runtime already installed its own
 * (Deno's OpenTelemetry), that one stays: registration then fails quietly.
 */
export function ensureContextManager(): void {
  if (registered) return
  registered = true
  context.setGlobalContextManager(new AsyncLocalStorageContextManager())
}
