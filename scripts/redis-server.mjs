// Runs a throwaway redis-server on a loopback port: no persistence, no config file.
// Used by the tests (globalSetup), `npm run dev` and the benchmarks.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import path from 'node:path'

const CANDIDATE_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin']

/** Path of the redis-server binary (`REDIS_SERVER_BIN`, then PATH, then usual places), or null. */
export function findRedisServer() {
  const explicit = process.env.REDIS_SERVER_BIN
  if (explicit) return existsSync(explicit) ? explicit : null
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const found = which.status === 0 ? which.stdout.trim() : ''
  if (found) return found
  for (const dir of CANDIDATE_DIRS) {
    const candidate = path.join(dir, 'redis-server')
    if (existsSync(candidate)) return candidate
  }
  return null
}

/** Resolves once a TCP connection to host:port succeeds (redis-server is listening). */
async function waitForPort(host, port, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early (code ${child.exitCode})`)
    const open = await new Promise((resolve) => {
      const socket = createConnection({ host, port }, () => {
        socket.end()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`redis-server did not listen on ${host}:${port} within ${deadlineMs} ms`)
}

/**
 * Starts redis-server on `port` (loopback only, nothing saved to disk). The returned
 * handle can kill it (a crash, as the tests want) and start it again on the same port.
 */
export async function startRedisServer({ port, host = '127.0.0.1', bin = findRedisServer(), stdio = 'ignore' }) {
  if (!bin) throw new Error('redis-server not found: install it (Debian: apt-get install redis-server)')
  let child = null
  const start = async () => {
    child = spawn(
      bin,
      ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio },
    )
    await waitForPort(host, port, child, 10_000)
  }
  const stop = () =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  // Never outlive the process that started it (a crash or process.exit in the caller).
  process.once('exit', () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  await start()
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    pid: () => child?.pid,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    stop,
    restart: async () => {
      await stop()
      await start()
    },
  }
}
