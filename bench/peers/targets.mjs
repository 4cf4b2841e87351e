// The servers `npm run bench:peers` compares, all on loopback: the origins, Switchyard
// and the Hono proxy() baseline in one workerd (Miniflare, each Worker on its own
// direct socket — workerd's own listener, not `wrangler dev`'s dev proxy and not
// Miniflare's entry proxy), the same two under `deno serve`, and nginx when installed.
import { build } from 'esbuild'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  COMPATIBILITY_DATE,
  DEV_IDENTITY_SECRET,
  ROOT,
  WORKER_BUILD,
  gatewayWorker,
  originVariant,
  startOriginServers,
} from '../../scripts/origins.mjs'
import { freePort, startDenoGateway } from '../../scripts/deno-gateway.mjs'

/**
 * Switchyard as measured: coalescing and the response cache off (every request reaches
 * the origin), the memory limiter with two policies too high to deny anything.
 */
export const SWITCHYARD_VARS = {
  SWITCHYARD_COALESCE: 'off',
  SWITCHYARD_CACHE: 'off',
  SWITCHYARD_RATE_LIMIT: JSON.stringify({
    policies: [
      { name: 'burst', quota: 1_000_000, window: 1 },
      { name: 'sustained', quota: 1_000_000, window: 60 },
    ],
    store: { kind: 'memory' },
  }),
}

const HONO_PROXY = path.join(ROOT, 'bench', 'peers', 'hono-proxy.ts')

async function honoProxyWorker() {
  const outfile = path.join(ROOT, '.wrangler', 'bench', 'hono-proxy.js')
  await build({ ...WORKER_BUILD, entryPoints: [HONO_PROXY], outfile, minify: true })
  return {
    name: 'hono-proxy',
    modules: true,
    scriptPath: outfile,
    compatibilityDate: COMPATIBILITY_DATE,
    serviceBindings: { USERS: 'switchyard-users', INVENTORY: 'switchyard-inventory' },
  }
}

/** `deno serve` of the Hono proxy baseline, resolved once it answers. */
async function startDenoHonoProxy(env) {
  const port = await freePort()
  const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
  const child = spawn(
    deno,
    ['serve', '--allow-env', '--allow-net', '--host', '127.0.0.1', '--port', String(port), HONO_PROXY],
    { cwd: ROOT, env: { ...process.env, ...env, DENO_NO_UPDATE_CHECK: '1' }, stdio: 'ignore' },
  )
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('deno serve (hono-proxy) exited early')
    try {
      await fetch(`${base}/`)
      return { base, stop: () => child.kill('SIGTERM') }
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  child.kill('SIGKILL')
  throw new Error('deno serve (hono-proxy) did not start within 60 s')
}

/** nginx as a native floor (one worker process, keep-alive to the origins), or undefined. */
async function startNginx(urls) {
  if (spawnSync('nginx', ['-v']).status !== 0) return undefined
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-nginx-'))
  const upstream = (name, url) => `upstream ${name} { server ${new URL(url).host}; keepalive 32; }`
  const location = (name) =>
    `location /api/v2/${name}/ { proxy_pass http://${name}/${name}/; proxy_http_version 1.1; proxy_set_header Connection ""; }`
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  ${upstream('users', urls.users)}
  ${upstream('inventory', urls.inventory)}
  server { listen 127.0.0.1:${port}; ${location('users')} ${location('inventory')} }
}
`,
  )
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited early (see ${dir}/error.log)`)
    try {
      await fetch(`${base}/`)
      return {
        base,
        stop: () => {
          child.kill('SIGTERM')
          rmSync(dir, { recursive: true, force: true })
        },
      }
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  child.kill('SIGKILL')
  throw new Error('nginx did not start')
}

/**
 * Starts everything. `users-signed` is a second instance of the users origin (same
 * bundle and database) that requires the gateway's identity signature, as origins at
 * URLs do: Switchyard on Deno calls that one, everything else the plain one.
 */
export async function startTargets() {
  const servers = await startOriginServers({
    extraWorkers: [
      await gatewayWorker({ bindings: SWITCHYARD_VARS, minify: true }),
      await honoProxyWorker(),
      originVariant('users', 'switchyard-users-signed', { IDENTITY_SECRET: DEV_IDENTITY_SECRET }),
    ],
    quiet: true,
  })
  const { urls } = servers
  const stops = [() => servers.dispose()]
  try {
    const denoGateway = await startDenoGateway({
      urls: { auth: urls.auth, users: urls['users-signed'], orders: urls.orders, payments: urls.payments, inventory: urls.inventory },
      port: await freePort(),
      env: { ...SWITCHYARD_VARS, SWITCHYARD_IDENTITY_SECRET: DEV_IDENTITY_SECRET },
      // Its access log is written as deployed, to stdout, but not read back into this
      // process, which also sends the load (workerd's lines still are: Miniflare parses them).
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    stops.push(() => denoGateway.stop())
    const denoHono = await startDenoHonoProxy({ USERS_URL: urls.users, INVENTORY_URL: urls.inventory })
    stops.push(() => denoHono.stop())
    const nginx = await startNginx(urls)
    if (nginx) stops.push(() => nginx.stop())
    return {
      urls,
      bases: {
        origin: { users: urls.users, inventory: urls.inventory },
        ...(nginx && { nginx: nginx.base }),
        'hono-proxy (workerd)': urls['hono-proxy'],
        'switchyard (workerd)': urls.gateway,
        'hono-proxy (deno)': denoHono.base,
        'switchyard (deno)': denoGateway.base,
      },
      stop: async () => {
        for (const stop of stops.reverse()) await stop()
      },
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop()
    throw err
  }
}
