// A small Upstash-REST-compatible endpoint over a real redis-server, for dev, tests and
// benchmarks (no Upstash emulator exists on npm; the reference one needs Docker).
// It speaks what @upstash/redis uses: POST / (one command), POST /pipeline, POST
// /multi-exec, `Authorization: Bearer <token>` (401 otherwise), `Upstash-Encoding: base64`
// (every string in a result base64, numbers and null as they are), `{result}` /
// `{error}` bodies, 400 for command errors, 503 while redis-server is unreachable.
//
//   node scripts/upstash-bridge.mjs --redis redis://127.0.0.1:6379 --port 8079 --token dev-token
//
// Under a burst the gateway batches its decisions (src/ratelimit/batcher.ts), so this sees a
// few calls; commands of concurrent calls share one Redis connection, which node-redis
// pipelines (commands issued in the same tick go out in one write).
import { spawn } from 'node:child_process'
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createClient, ErrorReply, MultiErrorReply, RESP_TYPES } from '@redis/client'

const MAX_BODY_BYTES = 10 * 1024 * 1024
const ROUTES = new Map([
  ['/', 'command'],
  ['/pipeline', 'pipeline'],
  ['/multi-exec', 'multi-exec'],
])

class BridgeError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/** Result values as Upstash sends them: strings base64 when asked, the rest as is. */
function encode(value, base64) {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value)) return base64 ? value.toString('base64') : value.toString('utf8')
  if (typeof value === 'string') return base64 ? Buffer.from(value).toString('base64') : value
  if (Array.isArray(value)) return value.map((v) => encode(v, base64))
  if (value instanceof Error) return value.message
  return value
}

/** A command is a non-empty array of strings/numbers/booleans; Redis sees them all as strings. */
function toCommand(value) {
  if (!Array.isArray(value) || value.length === 0) throw new BridgeError(400, 'ERR a command must be a non-empty JSON array')
  return value.map((arg) => {
    if (typeof arg === 'string') return arg
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg)
    throw new BridgeError(400, 'ERR command arguments must be strings or numbers')
  })
}

function toCommands(value) {
  if (!Array.isArray(value) || value.length === 0) throw new BridgeError(400, 'ERR expected a non-empty JSON array of commands')
  return value.map(toCommand)
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new BridgeError(413, 'ERR request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const digest = (s) => createHash('sha256').update(s).digest()

/** Redis answered with an error (`ERR unknown command`, `NOSCRIPT …`), as opposed to a transport failure. */
const isReplyError = (err) => err instanceof ErrorReply

/**
 * Starts the bridge. `stats` counts HTTP requests per path and commands per name, so
 * tests and benchmarks can count Redis round trips.
 */
export async function startBridge({ redisUrl, token, port = 0, host = '127.0.0.1', control = false }) {
  if (!token) throw new Error('the bridge needs a token')
  const expected = digest(`Bearer ${token}`)
  // node-redis's sendCommand passes replies through untransformed (RESP2, strings as
  // Buffers), which is what a faithful REST bridge needs.
  const redis = createClient({
    url: redisUrl,
    RESP: 2,
    // Fail fast while redis-server is down instead of queueing: callers see a 503.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(retries * 50, 500) },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer })
  redis.on('error', () => {
    // Reconnects on its own; requests meanwhile get 503.
  })
  await redis.connect()

  // inFlight: calls received and not yet answered (tests see a held call still held).
  const stats = { requests: 0, byPath: {}, commands: {}, lastTraceparent: null, inFlight: 0 }
  const resetStats = () => {
    stats.requests = 0
    stats.byPath = {}
    stats.commands = {}
  }
  const count = (path, commands) => {
    stats.requests += 1
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1
    for (const [name] of commands) {
      const key = name.toLowerCase()
      stats.commands[key] = (stats.commands[key] ?? 0) + 1
    }
  }
  const transportError = (err) => new BridgeError(503, `ERR redis-server unreachable: ${err instanceof Error ? err.message : err}`)

  const run = async (kind, body, base64) => {
    if (!redis.isReady) throw new BridgeError(503, 'ERR redis-server unreachable')
    if (kind === 'command') {
      const command = toCommand(body)
      count('/', [command])
      try {
        return { result: encode(await redis.sendCommand(command), base64) }
      } catch (err) {
        if (isReplyError(err)) throw new BridgeError(400, err.message)
        throw transportError(err)
      }
    }
    const commands = toCommands(body)
    if (kind === 'pipeline') {
      count('/pipeline', commands)
      // Sent back to back on one connection (node-redis pipelines a tick's commands),
      // each with its own reply, as Upstash's non-atomic pipeline does.
      const settled = await Promise.allSettled(commands.map((command) => redis.sendCommand(command)))
      const lost = settled.find((s) => s.status === 'rejected' && !isReplyError(s.reason))
      if (lost) throw transportError(lost.reason)
      return settled.map((s) => (s.status === 'fulfilled' ? { result: encode(s.value, base64) } : { error: s.reason.message }))
    }
    count('/multi-exec', commands)
    const transaction = redis.multi()
    for (const command of commands) transaction.addCommand(command)
    let replies
    try {
      replies = await transaction.exec()
    } catch (err) {
      // Some commands failed inside EXEC: the others' replies are still there.
      if (err instanceof MultiErrorReply) replies = err.replies
      // MULTI aborted as a whole (EXECABORT: a command was rejected while queueing).
      else if (isReplyError(err)) throw new BridgeError(400, err.message)
      else throw transportError(err)
    }
    if (replies === null) throw new BridgeError(400, 'ERR transaction aborted')
    return replies.map((reply) => (isReplyError(reply) ? { error: reply.message } : { result: encode(reply, base64) }))
  }

  // Tests slow the store down on purpose (setDelay): every answer waits this long first.
  let delayMs = 0
  /**
   * With `control`, for tests and benches that run the bridge as its own process (same
   * token): GET / DELETE /__bridge/stats, PUT /__bridge/delay/<ms>.
   */
  const controlRequest = (req, path, send) => {
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) throw new BridgeError(401, 'Unauthorized')
    const route = `${req.method} ${path}`
    const delay = /^PUT \/__bridge\/delay\/(\d+)$/.exec(route)
    if (delay) {
      delayMs = Number(delay[1])
      return send(200, { delayMs })
    }
    if (route === 'GET /__bridge/stats') return send(200, stats)
    if (route === 'DELETE /__bridge/stats') {
      resetStats()
      return send(200, stats)
    }
    throw new BridgeError(404, `ERR unknown control ${route}`)
  }
  const server = createServer(async (req, res) => {
    const send = (status, payload) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(payload))
    }
    try {
      const path = (req.url ?? '/').split('?')[0].replace(/(.)\/$/, '$1')
      if (control && path.startsWith('/__bridge/')) return controlRequest(req, path, send)
      const kind = ROUTES.get(path)
      if (!kind) throw new BridgeError(404, 'ERR unknown endpoint')
      if (req.method !== 'POST') throw new BridgeError(405, 'ERR use POST')
      const given = digest(req.headers.authorization ?? '')
      if (!timingSafeEqual(given, expected)) throw new BridgeError(401, 'Unauthorized')
      let body
      try {
        body = JSON.parse(await readBody(req))
      } catch (err) {
        if (err instanceof BridgeError) throw err
        throw new BridgeError(400, 'ERR the body is not valid JSON')
      }
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
      // Lets tests see that the caller's trace continues into the store.
      stats.lastTraceparent = req.headers.traceparent ?? null
      stats.inFlight += 1
      try {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
        send(200, await run(kind, body, base64))
      } finally {
        stats.inFlight -= 1
      }
    } catch (err) {
      if (err instanceof BridgeError) send(err.status, { error: err.message })
      else send(500, { error: `ERR ${err instanceof Error ? err.message : String(err)}` })
    }
  })
  server.keepAliveTimeout = 60_000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const bound = server.address().port
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    token,
    stats,
    /** Holds every request `ms` before it reaches Redis (0: none): a slow store, on purpose. */
    setDelay(ms) {
      delayMs = Math.max(0, Number(ms) || 0)
    },
    resetStats,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve()))
      redis.destroy()
    },
  }
}

/**
 * The bridge as its own process (with `--control`), so it never shares an event loop
 * with a test runner or a load generator; resolves once it answers PING.
 */
export async function spawnBridge({ redisUrl, token, port }) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--port', String(port), '--redis', redisUrl, '--token', token, '--control'],
    { stdio: 'ignore' },
  )
  const url = `http://127.0.0.1:${port}`
  const headers = { authorization: `Bearer ${token}` }
  const command = async (args) => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(args) })
    const body = await res.json()
    if (!res.ok) throw new Error(`bridge ${args[0]}: ${res.status} ${body.error}`)
    return body.result
  }
  const control = async (method, path) => {
    const res = await fetch(`${url}/__bridge/${path}`, { method, headers })
    if (!res.ok) throw new Error(`bridge control ${method} ${path}: ${res.status} ${await res.text()}`)
    return res.json()
  }
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
  process.once('exit', stop)
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break
    try {
      if ((await command(['PING'])) === 'PONG') return { url, port, token, command, control, stop }
    } catch {
      // not listening yet, or redis-server not reachable yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw new Error('the Upstash bridge did not start')
}

// CLI: node scripts/upstash-bridge.mjs [--port N] [--redis URL] [--token T] [--control]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.BRIDGE_PORT ?? '8079' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      token: { type: 'string', default: process.env.UPSTASH_REDIS_REST_TOKEN ?? 'switchyard-dev-token' },
      control: { type: 'boolean', default: false },
    },
  })
  const bridge = await startBridge({ redisUrl: values.redis, token: values.token, port: Number(values.port), control: values.control })
  console.log(`upstash bridge ${bridge.url} -> ${values.redis}`)
  const stop = () => bridge.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
