import { traceLogFields } from '../../wire/tracing/log-fields'
import type { Logger } from '../log'

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
  return {
    log: (level, msg, fields) => logger.log(level, msg, { ...traceLogFields(), ...fields }),
    child: (fields) => traceAwareLogger(logger.child(fields)),
  }
}
