// Starts the gateway under a real `deno serve` process against origin base URLs.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { ROOT } from './origins.mjs'

/** A free loopback port (closed again before Deno binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Runs `deno serve app/deno.ts` and resolves once it answers `/health/live`. */
export async function startDenoGateway({ urls, port, env = {}, stdio = 'pipe' }) {
  const denoBin = path.join(ROOT, 'node_modules', '.bin', 'deno')
  const serviceEnv = Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [`SWITCHYARD_${name.toUpperCase()}_URLS`, url]),
  )
  const child = spawn(
    denoBin,
    ['serve', '--allow-env', '--allow-net', '--allow-read', '--host', '127.0.0.1', '--port', String(port), 'app/deno.ts'],
    { cwd: ROOT, env: { ...process.env, ...serviceEnv, ...env, DENO_NO_UPDATE_CHECK: '1' }, stdio },
  )
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`deno serve exited early:\n${output}`)
    try {
      if ((await fetch(`${base}/health/live`)).ok) {
        return { base, output: () => output, stop: () => child.kill('SIGTERM') }
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGKILL')
  throw new Error(`deno serve did not become live within 60 s:\n${output}`)
}
