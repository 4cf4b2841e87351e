// Runs a command with Node >= 22.12 (wrangler 4 and vitest 5 need it). When the
// Node running this script is older, the version pinned in .node-version is
// installed once from the npm registry's `node` package into .tools/node.
// Usage: node scripts/ensure-node.mjs <command> [args...]
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const MIN = [22, 12]

function isRecentEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number)
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1])
}

/** Directory holding a suitable `node` binary, provisioning it when needed. */
export function nodeBinDir() {
  if (isRecentEnough(process.version)) return path.dirname(process.execPath)
  const prefix = path.join(root, '.tools', 'node')
  const bin = path.join(prefix, 'node_modules', '.bin')
  const wanted = readFileSync(path.join(root, '.node-version'), 'utf8').trim()
  const installed = existsSync(path.join(bin, 'node'))
    ? execFileSync(path.join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim()
    : ''
  if (installed !== `v${wanted}`) {
    console.error(`Node ${process.version} is older than ${MIN.join('.')}: installing node@${wanted} into .tools/node`)
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `node@${wanted}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  }
  return bin
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2)
  if (!command) {
    console.log(nodeBinDir())
    process.exit(0)
  }
  const binDir = nodeBinDir()
  const PATH = [binDir, path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter)
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, PATH } })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
}
