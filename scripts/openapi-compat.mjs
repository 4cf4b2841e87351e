// `npm run check:compat`: the backward-compatibility check. Serves every origin and
// the gateway (Miniflare, loopback only), fetches each current OpenAPI document and
// diffs it against the committed snapshot in contracts/<name>.openapi.json with the
// rules in openapi-diff.mjs. Exits 1 on any breaking change or missing snapshot.
//
//   npm run check:compat                 check
//   npm run check:compat -- --update     accept the current documents as the new snapshots
//                                        (after a compatible change, or a new API version)
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { gatewayWorker, ROOT, SERVICES, startOriginServers } from './origins.mjs'
import { addedEndpoints, breakingChanges } from './openapi-diff.mjs'

const DIR = path.join(ROOT, 'contracts')
const update = process.argv.includes('--update')

const servers = await startOriginServers({ extraWorkers: [await gatewayWorker()], quiet: true })
const current = {}
try {
  for (const name of SERVICES) current[name] = await fetchJson(`${servers.urls[name]}/${name}/openapi.json`)
  current.gateway = await fetchJson(`${servers.urls.gateway}/openapi.json`)
} finally {
  await servers.dispose()
}

async function fetchJson(url) {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`${url} answered ${res.status}`)
  return res.json()
}

const snapshotFile = (name) => path.join(DIR, `${name}.openapi.json`)
const serialize = (doc) => `${JSON.stringify(doc, null, 2)}\n`

if (update) {
  mkdirSync(DIR, { recursive: true })
  for (const [name, doc] of Object.entries(current)) writeFileSync(snapshotFile(name), serialize(doc))
  console.log(`wrote ${Object.keys(current).length} snapshots to contracts/`)
  process.exit(0)
}

let failed = false
for (const [name, doc] of Object.entries(current)) {
  const file = snapshotFile(name)
  if (!existsSync(file)) {
    console.error(`✗ ${name}: no snapshot (contracts/${name}.openapi.json); run npm run check:compat -- --update`)
    failed = true
    continue
  }
  const snapshot = JSON.parse(readFileSync(file, 'utf8'))
  const breaking = breakingChanges(snapshot, doc)
  if (breaking.length > 0) {
    failed = true
    console.error(`✗ ${name}: ${breaking.length} breaking change(s) against contracts/${name}.openapi.json`)
    for (const c of breaking) console.error(`    ${c.kind.padEnd(22)} ${c.where}: ${c.detail}`)
    continue
  }
  const added = addedEndpoints(snapshot, doc)
  const same = serialize(snapshot) === serialize(doc)
  console.log(`✓ ${name}: ${same ? 'unchanged' : `compatible changes${added.length ? ` (new: ${added.join(', ')})` : ''}; refresh with --update`}`)
}
if (failed) {
  console.error('\nBreaking changes need a new API version (a transform step keeps the old one working), not an edit of the contract.')
  process.exit(1)
}
