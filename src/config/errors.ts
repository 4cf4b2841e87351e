/**
 * A bad config is one error listing every problem with its path, never a silently
 * different gateway: `ConfigError` carries the list; `startGateway` logs it once at
 * start-up and serves an app that answers every request with 500 problem+json
 * `#misconfigured` naming the paths, so the deployment is visibly broken, not half on.
 */
import type { Hono } from 'hono'
import { createApp } from '../app'
import type * as z from 'zod/mini'
import { ProblemError, problemType } from '../../wire/problem'
import { createLogger, type Logger } from '../log'
import './zod-locale'

export interface ConfigIssue {
  /** Dotted path into the config, `rateLimit.policies[0].failur`. */
  path: string
  message: string
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    // zod's prettifyError layout, which the schema's messages are written for.
    super(`invalid gateway config:\n${issues.map((i) => `✖ ${i.message}\n  → at ${i.path || '(root)'}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** `['rateLimit', 'policies', 0, 'failur']` → `rateLimit.policies[0].failur`. */
export function configPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('')
}

/** zod issues as config issues; an unknown key is named in its path. */
export function zodIssues(error: z.core.$ZodError, base: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: configPath([...base, ...issue.path, key]), message: 'unknown key' }))
      : [{ path: configPath([...base, ...issue.path]), message: issue.message }],
  )
}

/** Every request of a misconfigured gateway: 500, naming what to fix. */
export function misconfiguredApp(error: ConfigError | Error): Hono {
  const paths = error instanceof ConfigError ? [...new Set(error.issues.map((i) => i.path))] : []
  const problem = ProblemError.of({
    type: problemType('misconfigured'),
    title: 'Gateway misconfigured',
    status: 500,
    detail:
      paths.length > 0
        ? `The gateway's configuration is invalid at ${paths.join(', ')}; the start-up log says why.`
        : `The gateway could not start: ${error.message}`,
    ...(paths.length > 0 && { paths }),
  })
  const app = createApp()
  app.all('*', (c) => problem.toResponse(new URL(c.req.url).pathname))
  return app
}

/**
 * Builds the gateway, or, when its configuration is refused, logs why once and serves
 * `misconfiguredApp` instead of crashing every request or the isolate.
 *
 * @example export default startGateway(() => createGateway(config, deps))
 */
export function startGateway<T>(build: () => T, logger: Logger = createLogger({ service: 'switchyard' })): T | Hono {
  try {
    return build()
  } catch (err) {
    if (!(err instanceof Error)) throw err
    logger.log('error', 'gateway misconfigured; every request answers 500 until the config is fixed', {
      error: err.message,
      ...(err instanceof ConfigError && { issues: err.issues }),
    })
    return misconfiguredApp(err)
  }
}
