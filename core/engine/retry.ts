/** Exponential backoff for exporter retries, as the Collector's retry_on_failure. */

/** Retry settings in milliseconds. */
export interface RetryPolicy {
  enabled: boolean;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** Give up after this long since the first attempt; 0 retries forever. */
  maxElapsedMs: number;
}

/** Backoff multiplier between attempts. */
export const BACKOFF_MULTIPLIER = 1.5;
/** Random spread of each interval, +-50%, so many agents do not retry in step. */
export const BACKOFF_JITTER = 0.5;

/** The wait before retry number `attempt` (1-based), jittered. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * BACKOFF_MULTIPLIER ** (attempt - 1));
  const spread = base * BACKOFF_JITTER;
  return Math.max(0, base - spread + random() * 2 * spread);
}
