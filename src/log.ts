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

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/** The ISO time of the last line's millisecond: lines within one millisecond share it. */
let stampMs = Number.NaN
let stamp = ''
function isoNow(): string {
  const now = Date.now()
  if (now !== stampMs) {
    stampMs = now
    stamp = new Date(now).toISOString()
  }
  return stamp
}

/** `minLevel`: lines below it are not written (e.g. `warn` leaves out the access log). */
export function createLogger(base: LogFields = {}, sink: LogSink = consoleSink, minLevel: LogLevel = 'debug'): Logger {
  return {
    log(level, msg, fields) {
      if (RANK[level] < RANK[minLevel]) return
      sink(JSON.stringify({ ts: isoNow(), level, msg, ...base, ...fields }))
    },
    child(fields) {
      return createLogger({ ...base, ...fields }, sink, minLevel)
    },
  }
}

/** `SWITCHYARD_LOG_LEVEL` (Workers var or Deno env): debug, info, warn or error; anything else: all lines. */
export function logLevelFromEnv(vars: Record<string, unknown>): LogLevel | undefined {
  const value = vars.SWITCHYARD_LOG_LEVEL
  return typeof value === 'string' && value in RANK ? (value as LogLevel) : undefined
}
