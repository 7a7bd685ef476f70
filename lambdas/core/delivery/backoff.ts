/**
 * Retry pauses of push delivery: exponential from about one second, doubling
 * per failed try, capped at ten minutes, with "equal jitter" (half fixed,
 * half random) so that many failing partitions do not retry in lockstep
 * while each pause stays at least half its nominal length.
 */

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 10 * 60 * 1_000;

/** The pause after the `failures`-th failed try in a row (1-based); `random` in [0, 1). */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const nominal = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}
