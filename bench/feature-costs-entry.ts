// The Worker bench/feature-costs.mjs loads several times: createGateway with the config
// app/worker.ts reads from its environment (workersInput) and its service bindings and
// client address, with the features named in `BENCH_WITHOUT` (comma-separated:
// access-log, tracing, rate-limit) switched off, so each copy differs from the others in
// one thing only. No API key store or docs assets: the measured routes reach neither.
import { env } from 'cloudflare:workers'
import { createGateway } from '../app/gateway'
import { workersInput } from '../src/config/deployment'
import { logLevelFromEnv } from '../src/log'

const vars = env as unknown as Record<string, unknown>
const without = new Set(String(vars.BENCH_WITHOUT ?? '').split(',').filter(Boolean))
const input = workersInput(vars)

export default createGateway(
  {
    ...input,
    ...(without.has('tracing') && { tracing: { enabled: false } }),
    ...(without.has('rate-limit') && { rateLimit: undefined }),
  },
  {
    bindings: (name) => vars[name] as Fetcher | undefined,
    // The access log is the one line per request at `info`.
    logLevel: without.has('access-log') ? 'warn' : logLevelFromEnv(vars),
    clientIp: (c) => c.req.header('cf-connecting-ip'),
  },
)
