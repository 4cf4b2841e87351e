// `npm run dev:deno`: the origins in Miniflare (each on its own port, D1 persisted in
// .wrangler/state-deno) and the gateway under `deno serve` on http://localhost:8787.
import { startOriginServers } from './origins.mjs'
import { startDenoGateway } from './deno-gateway.mjs'
import { startDevLimiter } from './dev-limiter.mjs'

const port = Number(process.env.PORT ?? 8787)
const origins = await startOriginServers({ persistTo: '.wrangler/state-deno/d1' })
for (const [name, url] of Object.entries(origins.urls)) console.log(`origin ${name.padEnd(9)} ${url}`)
const limiter = await startDevLimiter()
const gateway = await startDenoGateway({ urls: origins.urls, port, stdio: 'inherit', env: limiter.vars })
console.log(`gateway (deno)  ${gateway.base}`)

const stop = async () => {
  gateway.stop()
  try {
    await limiter.stop()
    await origins.dispose()
  } finally {
    process.exit(0)
  }
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
