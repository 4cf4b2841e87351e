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
  return new JsonLogger(base, sink, RANK[minLevel])
}

/** A class, not closures: the access log makes a child per request, one object each. */
class JsonLogger implements Logger {
  constructor(
    private readonly base: LogFields,
    private readonly sink: LogSink,
    private readonly minRank: number,
  ) {}

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < this.minRank) return
    const sink = this.sink // called on its own, as a plain function
    sink(JSON.stringify({ ts: isoNow(), level, msg, ...this.base, ...fields }))
  }

  child(fields: LogFields): Logger {
    return new JsonLogger({ ...this.base, ...fields }, this.sink, this.minRank)
  }
}

/** `SWITCHYARD_LOG_LEVEL` (Workers var or Deno env): debug, info, warn or error; anything else: all lines. */
export function logLevelFromEnv(vars: Record<string, unknown>): LogLevel | undefined {
  const value = vars.SWITCHYARD_LOG_LEVEL
  return typeof value === 'string' && value in RANK ? (value as LogLevel) : undefined
}
