// `npm run dev:deno`: the origins in Miniflare (each on its own port, D1 persisted in
// .wrangler/state-deno) and the gateway under `deno serve` on http://localhost:8787.
import { DEV_IDENTITY_SECRET, startOriginServers } from './origins.mjs'
import { startDenoGateway } from './deno-gateway.mjs'
import { startDevLimiter } from './dev-limiter.mjs'

const port = Number(process.env.PORT ?? 8787)
// Origins at URLs accept identity headers only when the gateway signed them. The gateway
// under Deno sees the shell's OTEL_* variables; the origins get the export endpoint ones.
const exportVars = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS']
const origins = await startOriginServers({
  persistTo: '.wrangler/state-deno/d1',
  vars: {
    IDENTITY_SECRET: DEV_IDENTITY_SECRET,
    ...Object.fromEntries(exportVars.filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
  },
})
for (const [name, url] of Object.entries(origins.urls)) console.log(`origin ${name.padEnd(9)} ${url}`)
const limiter = await startDevLimiter()
const gateway = await startDenoGateway({
  urls: origins.urls,
  port,
  stdio: 'inherit',
  env: {
    SWITCHYARD_IDENTITY_SECRET: DEV_IDENTITY_SECRET,
    // As the root .dev.vars under `npm run dev`: a web app under development may call.
    SWITCHYARD_CORS: process.env.SWITCHYARD_CORS ?? JSON.stringify({ origins: ['http://localhost:5173'] }),
    ...limiter.vars,
  },
})
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
