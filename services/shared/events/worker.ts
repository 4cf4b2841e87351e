/**
 * `originWorker(app, options)`: the Worker an event-driven origin exports — its HTTP app,
 * a queue handler (its own events queue, and its dead-letter queue) and a Cron handler
 * (the sweep: the service's own periodic work, then the outbox relay).
 *
 * @example
 * ```ts
 * export default originWorker(app, { service: 'orders', handlers })
 * ```
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { originTelemetry } from '../tracing'
import type { OriginBindings } from '../types'
import { deadLetterQueueName, type EventService } from './catalog'
import { consumeBatch, type Handlers } from './consumer'
import { consumeDeadLetters } from './dead-letters'
import { relayOutbox } from './outbox'
import { withServiceTelemetry } from './tracing'

export interface OriginWorkerOptions<B extends OriginBindings> {
  service: EventService
  handlers: Handlers<B>
  /** Periodic work of the service (held stock expiring), run by the sweep before the relay. */
  sweep?: (env: B) => Promise<void>
}

export function originWorker<B extends OriginBindings>(app: OpenAPIHono<{ Bindings: B }>, options: OriginWorkerOptions<B>) {
  const { service, handlers, sweep } = options
  return {
    fetch: app.fetch,
    async queue(batch: MessageBatch, env: B, ctx: ExecutionContext): Promise<void> {
      const telemetry = originTelemetry(service, env)
      try {
        await withServiceTelemetry(telemetry, async () => {
          if (batch.queue === deadLetterQueueName(service)) return consumeDeadLetters(batch, env.DB)
          await consumeBatch(batch, env, service, handlers, telemetry)
          // What the handlers published goes out now, not at the next sweep.
          await relayOutbox(env, service)
        })
      } finally {
        if (telemetry.exporting) ctx.waitUntil(telemetry.flush())
      }
    },
    async scheduled(_controller: ScheduledController, env: B, ctx: ExecutionContext): Promise<void> {
      const telemetry = originTelemetry(service, env)
      try {
        await withServiceTelemetry(telemetry, async () => {
          await sweep?.(env)
          await relayOutbox(env, service)
        })
      } finally {
        if (telemetry.exporting) ctx.waitUntil(telemetry.flush())
      }
    },
  }
}

/** Relays the request's events after the response is sent. */
export function relayAfterResponse<B extends OriginBindings>(c: Context<{ Bindings: B }>, service: EventService): void {
  const work = relayOutbox(c.env, service)
  try {
    c.executionCtx.waitUntil(work)
  } catch {
    // No execution context (plain tests): the relay still runs on its own.
  }
}
