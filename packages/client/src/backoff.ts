/**
 * When to try a request again: exponential backoff with full jitter (each
 * wait uniform in [0, min(cap, base·2^n)), so clients that failed together
 * do not come back together), never shorter than the server's `Retry-After`.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (0: never retry). */
  maxRetries: number;
  /** Ceiling of the first retry's wait; it doubles per retry. */
  baseDelayMs: number;
  /** Ceiling of any jittered wait. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is cut to it (a misbehaving proxy cannot park the client for hours). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/** The jittered wait before retry number `retry` (0 = the first retry): uniform in [0, min(maxDelayMs, baseDelayMs·2^retry)). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The wait before retry number `retry`: the jittered backoff, but at least
 * the server's `Retry-After` (capped at maxRetryAfterMs).
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const jittered = backoffDelayMs(retry, policy, random);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(Math.min(retryAfterMs, policy.maxRetryAfterMs), jittered);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
