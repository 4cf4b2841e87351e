// `npm run check:readme [-- --url http://localhost:8787]`: runs README.md's shell blocks,
// in order and in one bash (so $TOKEN and $ADMIN carry over, as for a reader), against a
// dev gateway, and checks every curl's HTTP status against what the README states.
//
// Convention in README.md:
// - Every ```sh block runs, unless the line before its fence is
//   `<!-- readme-check: skip — why -->` (servers that never exit, deploy commands, …).
// - A statement (a line with its `\` continuations) states its statuses in a comment at
//   the end of its last line or in the comment lines right under it, starting with them:
//   `# 403 insufficient_scope`, `# HTTP/1.1 201 Created …`, `# 503 503 503 503 503 503`,
//   `# 200 … 429 …` (`…` repeats the status before it), or `… (HTTP 404)` after output.
//   A curl with no stated status must answer 2xx. Every statement must exit 0, or with the
//   status a comment states as `exits N`. Parallel transfers (curl -Z) are compared sorted.
// - `localhost:8787` is replaced by the gateway under test.
//
// Without --url it starts `npm run dev`'s script on a free port with fresh local state (a
// temporary D1 directory) and stops it afterwards.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from './deno-gateway.mjs'
import { ROOT } from './origins.mjs'
import { matches, readmeBlocks } from './readme-blocks.mjs'

const { values: args } = parseArgs({ options: { url: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } } })
const started = performance.now()
const work = mkdtempSync(path.join(tmpdir(), 'switchyard-readme-'))
const blocks = readmeBlocks(path.join(ROOT, 'README.md'))
const run = blocks.filter((b) => !b.skip)

let dev
let exitCode = 1
try {
  const base = args.url ? new URL(args.url) : await startDev()
  const statements = run.flatMap((b) => b.statements.map((s) => ({ ...s, block: b })))
  const script = [
    'set +e',
    // Every curl leaves a trace file named by statement and time, so each statement's
    // statuses can be read back in order, however its calls are nested or piped.
    `curl() { local f="${work}/calls/$__SY_STMT.$(date +%s%N).$BASHPID"; command curl --max-time 60 --trace-ascii "$f" "$@"; local rc=$?`,
    // A stream the README cuts with -m on purpose (SSE) ends in curl's timeout code.
    '  if [ $rc = 28 ] && [[ " $* " == *" -m "* || " $* " == *" --max-time "* ]]; then return 0; fi; return $rc; }',
    'mkdir -p "' + work + '/calls" "' + work + '/out"',
    ...statements.map((s, i) => {
      const text = s.text.replaceAll('localhost:8787', base.host)
      return `__SY_STMT=${i}\n{ ${text}\n} >"${work}/out/${i}" 2>&1 </dev/null\necho "${i} $?" >>"${work}/rc"`
    }),
  ].join('\n')
  writeFileSync(path.join(work, 'readme.sh'), script)
  await runBash(path.join(work, 'readme.sh'))

  const rcs = new Map(readFileSync(path.join(work, 'rc'), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number)))
  const calls = readdirSync(path.join(work, 'calls')).map((f) => ({ f, stmt: Number(f.split('.')[0]), at: BigInt(f.split('.')[1]) }))
  let failures = 0
  let curls = 0
  statements.forEach((s, i) => {
    const traces = calls.filter((c) => c.stmt === i).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    const answered = traces.flatMap((c) => statusesIn(readFileSync(path.join(work, 'calls', c.f), 'utf8')))
    const observed = s.parallel ? answered.sort((a, b) => a - b) : answered
    curls += observed.length
    const rc = rcs.get(i)
    const ok = rc === s.exit && matches(s.expect, observed)
    const where = `README.md:${s.line} (${s.block.heading})`
    if (!ok || args.verbose) {
      const stated = s.expect ? s.expect.join(' ') : traces.length ? '2xx' : '-'
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${where}\n     ${s.text.split('\n')[0].slice(0, 140)}\n     stated: ${stated}   got: ${observed.join(' ') || '-'}   exit: ${rc}`)
    }
    if (!ok) {
      failures++
      const out = readFileSync(path.join(work, 'out', String(i)), 'utf8').split('\n').slice(0, 15).join('\n     | ')
      if (out.trim()) console.log(`     | ${out}`)
    }
  })
  const secs = ((performance.now() - started) / 1000).toFixed(0)
  console.log(`check:readme: ${statements.length} statements in ${run.length} blocks (${blocks.length - run.length} skipped), ${curls} HTTP answers, ${failures} failed (${secs} s)`)
  exitCode = failures === 0 ? 0 : 1
} catch (error) {
  console.error(`check:readme: ${error.stack ?? error}`)
} finally {
  await dev?.stop()
  rmSync(work, { recursive: true, force: true })
}
process.exit(exitCode)

/** The final status of every exchange in a curl --trace-ascii file (1xx interim answers left out). */
function statusesIn(trace) {
  const out = []
  const lines = trace.split('\n')
  for (let i = 0; i < lines.length - 1; i++) {
    if (!lines[i].startsWith('<= Recv header')) continue
    const m = /^0000: HTTP\/[\d.]+ (\d{3})/.exec(lines[i + 1])
    if (m && !m[1].startsWith('1')) out.push(Number(m[1]))
  }
  return out
}

function runBash(file) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', file], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: cleanEnv() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000)
    child.on('error', reject)
    child.on('exit', () => (clearTimeout(timer), resolve()))
  })
}

/** The environment without the shell's gateway settings, so the run is the README's defaults. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHYARD_') && !k.startsWith('OTEL_')))
}

/** `npm run dev`'s script on a free port with fresh local state; resolves once its banner is out. */
async function startDev() {
  const port = await freePort()
  const child = spawn(process.execPath, ['scripts/dev.mjs'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...cleanEnv(), PORT: String(port), DEV_STATE_DIR: path.join(work, 'state') },
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  dev = {
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
  const deadline = Date.now() + 180_000
  while (!output.includes('Switchyard is ready on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm run dev did not get ready:\n${output.slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  console.log(`check:readme: dev gateway ready on port ${port} after ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return new URL(`http://localhost:${port}`)
}
