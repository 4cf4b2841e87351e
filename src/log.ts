/**
 * Structured logs: one JSON object per line, always with the request id, so a line
 * can be joined to its request (and, with tracing, to its trace).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export type LogSink = (line: string) => void

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger
}

const consoleSink: LogSink = (line) => console.log(line)

export function createLogger(base: LogFields = {}, sink: LogSink = consoleSink): Logger {
  return {
    log(level, msg, fields) {
      sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }))
    },
    child(fields) {
      return createLogger({ ...base, ...fields }, sink)
    },
  }
}
