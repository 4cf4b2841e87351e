import type { LimitCheck, LimitState, StoreDecision } from './store'

/**
 * One atomic decision for all of a request's policies: a sliding-window log per
 * partition (a sorted set of the admitted requests' times), checked and written in
 * the same script, so no request is admitted on a stale read (Kong #5311, APISIX
 * #12592). Time comes from Redis (`TIME`), so gateways with skewed clocks agree.
 * Plain Redis 7 / Valkey Lua: no shebang flags, writes after `TIME` are fine because
 * scripts replicate by effects. All keys of one request share a hash tag (cluster-safe).
 *
 * KEYS[i]: partition i. ARGV[1]: a member unique to this request; ARGV[2i], ARGV[2i+1]:
 * quota and window (ms) of partition i. Returns {allowed, count1, reset1, violated1, …}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counts = {}
local allowed = 1
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[2 * i + 1]))
  counts[i] = redis.call('ZCARD', KEYS[i])
  if counts[i] >= tonumber(ARGV[2 * i]) then allowed = 0 end
end
local out = { allowed }
for i = 1, #KEYS do
  local key, quota, window = KEYS[i], tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local violated = 0
  if counts[i] >= quota then violated = 1 end
  if allowed == 1 then
    redis.call('ZADD', key, now, ARGV[1])
    redis.call('PEXPIRE', key, window)
    counts[i] = counts[i] + 1
  end
  -- The entry whose expiry lets one more request in than now.
  local index = math.max(counts[i] - quota, 0)
  local entry = redis.call('ZRANGE', key, index, index, 'WITHSCORES')
  local reset = window
  if entry[2] then reset = tonumber(entry[2]) + window - now end
  out[#out + 1] = counts[i]
  out[#out + 1] = reset
  out[#out + 1] = violated
end
return out
`

/** ARGV for the script: the request's member, then quota and window per check. */
export function scriptArgs(checks: LimitCheck[], member: string): (string | number)[] {
  const args: (string | number)[] = [member]
  for (const check of checks) args.push(check.quota, check.windowMs)
  return args
}

/** Reads the script's flat integer reply; anything else is a store failure. */
export function parseScriptReply(reply: unknown, checks: number): StoreDecision {
  if (!Array.isArray(reply) || reply.length !== 1 + 3 * checks || !reply.every((v) => typeof v === 'number')) {
    throw new Error(`unexpected rate-limit script reply: ${JSON.stringify(reply)?.slice(0, 200)}`)
  }
  const values = reply as number[]
  const states: LimitState[] = []
  for (let i = 0; i < checks; i++) {
    const base = 1 + 3 * i
    states.push({ count: values[base]!, resetMs: Math.max(0, values[base + 1]!), violated: values[base + 2] === 1 })
  }
  return { allowed: values[0] === 1, states }
}
