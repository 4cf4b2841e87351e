// The one Node module the tracing code uses. Workers types do not declare Node's
// modules and @types/node would bring Node's globals into Worker code.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined
    run<R>(store: T, callback: () => R): R
    disable(): void
  }
}
