/**
 * The few Upstash REST calls the gateway makes (the rate limiter's and the idempotency
 * store's Lua scripts, and a pipeline of them), over `fetch`.
 *
 * Hand-written on purpose: `@upstash/redis` ships every Redis command as methods of one
 * class in one module, so any use of it bundles all of them (≈ 20 KiB gzip, an eighth of
 * the gateway's 150 KiB budget) for the three calls below. The wire is the documented
 * REST API (and what scripts/upstash-bridge.mjs serves): `POST /` with one command as a
 * JSON array, `POST /pipeline` with an array of them, `Authorization: Bearer <token>`,
 * answers `{"result": …}` or `{"error": "…"}`. Strings come back as Redis holds them
 * (no `Upstash-Encoding: base64`: every value the gateway stores is UTF-8 text it wrote).
 *
 * The API mirrors the parts of `@upstash/redis` the stores use (`createScript().exec`,
 * `pipeline().evalsha/eval/zrem/del/exec`, a replaceable `client.request`) so they read the same.
 * Unlike it: no retries, no auto-pipelining, no telemetry headers, no deserialization —
 * what the stores configured it to do anyway.
 */
import { digestHex } from '../hex'

export interface UpstashRequest {
  /** `''` for one command, `'pipeline'` for several. */
  path: string
  body: unknown
  headers?: Record<string, string>
}

export interface UpstashReply {
  result?: unknown
  error?: string
}

export interface UpstashConfig {
  url: string
  token: string
  /** A fresh signal per call (e.g. `() => AbortSignal.timeout(ms)`). */
  signal?: () => AbortSignal
  // What callers of @upstash/redis set to get this client's behaviour; only these values are accepted.
  retry?: { retries: 0; backoff?: () => number }
  enableTelemetry?: false
  enableAutoPipelining?: false
  readYourWrites?: false
  automaticDeserialization?: false
}

type Arg = string | number

/** An Upstash REST error answer (`{"error": …}`), or a failed call. */
export class UpstashError extends Error {
  override name = 'UpstashError'
}

export class UpstashRedis {
  /** Sends one request; replaceable, e.g. to add headers to every call. */
  client: { request(req: UpstashRequest): Promise<UpstashReply | UpstashReply[]> }

  constructor(config: UpstashConfig) {
    const base = config.url.replace(/\/$/, '')
    const authorization = `Bearer ${config.token}`
    this.client = {
      async request(req) {
        const res = await fetch(req.path ? `${base}/${req.path}` : base, {
          method: 'POST',
          headers: { ...req.headers, authorization, 'content-type': 'application/json' },
          body: JSON.stringify(req.body),
          signal: config.signal?.(),
        })
        const text = await res.text()
        let body: UpstashReply | UpstashReply[] | undefined
        try {
          body = JSON.parse(text) as UpstashReply | UpstashReply[]
        } catch {
          throw new UpstashError(`Upstash answered ${res.status} with no JSON: ${text.slice(0, 200)}`)
        }
        if (!res.ok) throw new UpstashError((!Array.isArray(body) && body.error) || `Upstash answered ${res.status}`)
        return body
      },
    }
  }

  /** Runs one command; an `{"error"}` answer rejects. */
  async command<T = unknown>(command: Arg[]): Promise<T> {
    const reply = (await this.client.request({ path: '', body: command })) as UpstashReply
    if (reply.error) throw new UpstashError(reply.error)
    return reply.result as T
  }

  /** A Lua script run by its SHA-1 (EVALSHA), loaded with EVAL when Redis has not seen it yet. */
  createScript<T = unknown>(script: string): { exec(keys: string[], args: Arg[]): Promise<T> } {
    let sha: Promise<string> | undefined
    return {
      exec: async (keys, args) => {
        const hash = await (sha ??= digestHex('SHA-1', script))
        try {
          return await this.command<T>(['EVALSHA', hash, keys.length, ...keys, ...args])
        } catch (err) {
          if (!(err instanceof UpstashError) || !err.message.includes('NOSCRIPT')) throw err
          return this.command<T>(['EVAL', script, keys.length, ...keys, ...args])
        }
      },
    }
  }

  /** Commands sent together in one `POST /pipeline`. */
  pipeline(): UpstashPipeline {
    return new UpstashPipeline(this)
  }
}

export class UpstashPipeline {
  private readonly commands: Arg[][] = []

  constructor(private readonly redis: UpstashRedis) {}

  evalsha(sha: string, keys: string[], args: Arg[]): this {
    this.commands.push(['EVALSHA', sha, keys.length, ...keys, ...args])
    return this
  }

  eval(script: string, keys: string[], args: Arg[]): this {
    this.commands.push(['EVAL', script, keys.length, ...keys, ...args])
    return this
  }

  del(...keys: string[]): this {
    this.commands.push(['DEL', ...keys])
    return this
  }

  zrem(key: string, ...members: string[]): this {
    this.commands.push(['ZREM', key, ...members])
    return this
  }

  /** Each command's `{result, error}` with `keepErrors`; else the results, rejecting on the first error. */
  exec(options: { keepErrors: true }): Promise<UpstashReply[]>
  exec(): Promise<unknown[]>
  async exec(options?: { keepErrors: true }): Promise<unknown[]> {
    const replies = await this.redis.client.request({ path: 'pipeline', body: this.commands })
    if (!Array.isArray(replies)) throw new UpstashError('Upstash answered a pipeline with no array')
    if (options?.keepErrors) return replies
    const failed = replies.find((r) => r.error)
    if (failed) throw new UpstashError(failed.error!)
    return replies.map((r) => r.result)
  }
}
