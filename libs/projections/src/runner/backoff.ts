export interface BackoffOptions {
  /** First wait after a failure (ms). */
  initialMs: number;
  /** Ceiling of the wait (ms): a read model down for an hour is retried at this pace, never given up on. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

/** Capped exponential backoff with "equal jitter": half fixed, half random, so restarts do not stampede. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
