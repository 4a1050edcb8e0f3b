export interface BackoffOptions {
  /** First wait after a failure (ms). */
  initialMs: number;
  /** Ceiling of the wait (ms): a dependency down for an hour is retried at this pace, never given up on. */
  maxMs: number;
}

/**
 * equal: half of the delay fixed, half random, so processes restarted together do not retry in
 * step (the default). none: exactly initial, 2×, 4×, ...: for a single loop's own pacing (the
 * relay's idle polling and error backoff), where nothing stampedes and tests pin the delays.
 */
export type Jitter = 'equal' | 'none';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

/** Capped exponential backoff with "equal jitter": initial × 2^(attempt-1), capped, then half of it jittered. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // The exponent is capped so that a worker retrying for days never computes Infinity × 0.
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** The same backoff with its attempt count kept: next() after each failure, reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions & { jitter?: Jitter },
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    this.attempt += 1;
    return backoffDelay(this.attempt, this.options, this.options.jitter === 'none' ? () => 1 : this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
