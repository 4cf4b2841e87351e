import { traceLogFields } from '../../wire/tracing/log-fields'
import type { LogFields, Logger, LogLevel } from '../log'

export { traceLogFields }

/**
 * A logger whose every line carries the `trace_id` and `span_id` of the span active
 * when it is written: the request's server span (or the client span of a call in
 * flight), so lines of any code that runs within a request can be joined to its
 * trace — the access log, the request logger's lines, the resilience layer's.
 *
 * @example
 * ```ts
 * const logger = traceAwareLogger(createLogger({ service: 'switchyard' }))
 * ```
 */
export function traceAwareLogger(logger: Logger): Logger {
  return new TraceAwareLogger(logger)
}

/** A class, not closures: the access log makes a child per request, one object each. */
class TraceAwareLogger implements Logger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    this.logger.log(level, msg, { ...traceLogFields(), ...fields })
  }

  child(fields: LogFields): Logger {
    return new TraceAwareLogger(this.logger.child(fields))
  }
}
