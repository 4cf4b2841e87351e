import { addressKey } from './client-key'
import { FAILURE_POLICY_NAMES, type FailuresConfig, type RateLimitConfig } from './config'
import { DEFAULT_PREFIX, type AppliedPolicy } from './policies'
import { digestHex } from '../hex'

/**
 * Failed authentication as partitions of the limiter's store, in the manner of OWASP's
 * "limit failed attempts per account and per source" (and Cloudflare's login rate-limiting
 * rules): a sliding-window log of failures per client address and, where a route names
 * it, per account. They are checked (peeked) before the attempt and counted only when it
 * failed, so they count failures, not requests.
 *
 * The account partition is keyed by a digest of the identifier as submitted, never by
 * whether it exists: a locked account and an unknown one answer alike.
 */

/** Where a route's table entry says the account is: a top-level field of its JSON body. */
export interface FailureRoute {
  account?: string
}

export interface FailurePartitions {
  address: AppliedPolicy
  account?: AppliedPolicy
}

const prefixOf = (config: RateLimitConfig): string =>
  config.store.kind === 'upstash' ? config.store.prefix : DEFAULT_PREFIX

const partition = (name: string, limit: FailuresConfig['address'], key: string, failure: 'open' | 'closed'): AppliedPolicy => ({
  name,
  quota: limit.quota,
  window: limit.window,
  failure,
  key,
  peek: true,
})

/** The client address's failure partition, and the account's when one is known (`accountId`: its digest). */
export function failurePartitions(
  config: RateLimitConfig,
  failures: FailuresConfig,
  clientIp: string | undefined,
  accountId?: string,
): FailurePartitions {
  const prefix = prefixOf(config)
  const address = `ip:${addressKey(clientIp, config.ipv6PrefixBits)}`
  return {
    // The caller's hash tag, as its policies' keys: one script run decides them together.
    address: partition(FAILURE_POLICY_NAMES.address, failures.address, `${prefix}:{${address}}:${FAILURE_POLICY_NAMES.address}`, failures.failure),
    ...(accountId
      ? { account: partition(FAILURE_POLICY_NAMES.account, failures.account, `${prefix}:{acct:${accountId}}:${FAILURE_POLICY_NAMES.account}`, failures.failure) }
      : {}),
  }
}

const MAX_ACCOUNT_LENGTH = 320

/**
 * The account a JSON body names in `field`, as a digest (SHA-256 of the trimmed,
 * lower-cased value: what the auth origin looks up, and no identifier in Redis keys).
 * Undefined when the body is not a JSON object with a non-empty string there: such a
 * request is counted against its address only, and the route answers it (400).
 */
export async function accountFromBody(body: Uint8Array, field: string): Promise<string | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(body))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const value = (parsed as Record<string, unknown>)[field]
  if (typeof value !== 'string') return undefined
  const account = value.trim().toLowerCase()
  if (account.length === 0 || account.length > MAX_ACCOUNT_LENGTH) return undefined
  return (await digestHex('SHA-256', account)).slice(0, 32)
}

/**
 * An answer that counts as a failed authentication: any 401 (a refused token or key, an
 * origin's refusal), and on a login or refresh route also the 400 of a wrong password or
 * refresh token (RFC 6749 §5.2 `invalid_grant`, how the auth origin answers them).
 */
export function isFailure(status: number, onFailureRoute: boolean): boolean {
  return status === 401 || (onFailureRoute && status === 400)
}
