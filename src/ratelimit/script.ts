import type { LimitCheck, LimitState, StoreDecision } from './store'

/**
 * One atomic decision for a batch of requests of ONE caller (every key shares the
 * caller's hash tag, so the script is cluster-safe), in arrival order: for each request
 * all of its partitions at once — a sliding-window log per partition (a sorted set of
 * the admitted requests' times), checked and written in the same script, so no request
 * is admitted on a stale read (Kong #5311, APISIX #12592). Time comes from Redis
 * (`TIME`), so gateways with skewed clocks agree. Plain Redis 7 / Valkey Lua: no shebang
 * flags; writes after `TIME` are fine because scripts replicate by effects.
 *
 * A request carries the moment (Redis time, ms) after which the gateway no longer waits
 * for it: past that it is answered "expired" and counted nowhere, so a request the
 * gateway gave up on is never admitted behind its back.
 *
 * A check may be a peek: it must have room like the others, but is never written (the
 * failed-authentication partitions, which count failures, not requests).
 *
 * KEYS: the partitions of the batch. ARGV: request count, then per request: member
 * (unique to the request), deadline (0: none), number of checks n, then n × (key index,
 * quota, window ms, peek 0/1). Reply: Redis time (ms), then per request: status (1 admitted,
 * 0 denied, -1 expired), then per check: count, reset ms, violated.
 */
export const SLIDING_WINDOW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counts, added = {}, {}
local function count(k, window)
  local id = k .. '|' .. window
  if counts[id] == nil then
    redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - window)
    counts[id] = redis.call('ZCARD', KEYS[k])
  end
  return id
end
local out = { now }
local at = 2
for _ = 1, tonumber(ARGV[1]) do
  local member, deadline, n = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local checks = {}
  for i = 1, n do
    local base = at + 3 + 4 * (i - 1)
    local k, quota, window = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
    checks[i] = { k = k, quota = quota, window = window, peek = ARGV[base + 3] == '1', id = count(k, window) }
  end
  at = at + 3 + 4 * n
  local status = 1
  if deadline > 0 and now > deadline then status = -1 end
  if status == 1 then
    for i = 1, n do
      if counts[checks[i].id] >= checks[i].quota then status = 0 end
    end
  end
  out[#out + 1] = status
  for i = 1, n do
    local c = checks[i]
    local violated = 0
    if status ~= -1 and counts[c.id] >= c.quota then violated = 1 end
    if status == 1 and not c.peek then
      redis.call('ZADD', KEYS[c.k], now, member)
      counts[c.id] = counts[c.id] + 1
      added[c.k] = math.max(added[c.k] or 0, c.window)
    end
    -- The entry whose expiry lets one more request in than now.
    local index = math.max(counts[c.id] - c.quota, 0)
    local entry = redis.call('ZRANGE', KEYS[c.k], index, index, 'WITHSCORES')
    local reset = c.window
    if entry[2] then reset = tonumber(entry[2]) + c.window - now end
    out[#out + 1] = counts[c.id]
    out[#out + 1] = reset
    out[#out + 1] = violated
  end
end
for k, window in pairs(added) do redis.call('PEXPIRE', KEYS[k], window) end
return out
`

/** One request in a batch: its partitions, its unique member, its deadline in Redis time (0: none). */
export interface BatchEntry {
  checks: LimitCheck[]
  member: string
  deadline: number
}

/** What the store answered for one request; `expired`: it arrived after its deadline and counts nowhere. */
export type EntryReply = StoreDecision | { expired: true }

/** KEYS and ARGV of the script for one caller's batch (keys shared between requests are sent once). */
export function batchArgs(entries: BatchEntry[]): { keys: string[]; args: string[] } {
  const keys: string[] = []
  const index = new Map<string, number>()
  const args: (string | number)[] = [entries.length]
  for (const entry of entries) {
    args.push(entry.member, entry.deadline, entry.checks.length)
    for (const check of entry.checks) {
      let k = index.get(check.key)
      if (k === undefined) {
        keys.push(check.key)
        k = keys.length
        index.set(check.key, k)
      }
      args.push(k, check.quota, check.windowMs, check.peek ? 1 : 0)
    }
  }
  return { keys, args: args.map(String) }
}

/** Reads the script's flat integer reply; anything else is a store failure. */
export function parseBatchReply(reply: unknown, entries: BatchEntry[]): { now: number; replies: EntryReply[] } {
  const expected = 1 + entries.reduce((n, e) => n + 1 + 3 * e.checks.length, 0)
  if (!Array.isArray(reply) || reply.length !== expected || !reply.every((v) => typeof v === 'number')) {
    throw new Error(`unexpected rate-limit script reply: ${JSON.stringify(reply)?.slice(0, 200)}`)
  }
  const values = reply as number[]
  let at = 1
  const replies = entries.map((entry): EntryReply => {
    const status = values[at++]!
    const states: LimitState[] = []
    for (let i = 0; i < entry.checks.length; i++, at += 3) {
      states.push({ count: values[at]!, resetMs: Math.max(0, values[at + 1]!), violated: values[at + 2] === 1 })
    }
    return status === -1 ? { expired: true } : { allowed: status === 1, states }
  })
  return { now: values[0]!, replies }
}
