import { Backoff, type BackoffOptions } from './backoff';
import { sleep } from './sleep';

/** Returned by retryWithBackoff when it stopped waiting (the signal aborted, or `wait` said so). */
export const GAVE_UP: unique symbol = Symbol('gave-up');
export type GaveUp = typeof GAVE_UP;

export interface RetryOptions {
  backoff: BackoffOptions;
  /** Aborting stops the retries: no new attempt starts, a wait in progress ends at once. */
  signal?: AbortSignal;
  /** Failed attempts after which the last error is thrown (default: retry for as long as it takes). */
  maxAttempts?: number;
  /**
   * Waits between attempts and says whether to go on (default: sleep(ms, signal), then go on unless
   * aborted). A Kafka consumer heart-beats here so its group does not evict it while it waits.
   */
  wait?: (ms: number) => Promise<boolean>;
  /** Called after each failed attempt that will be retried: log it, count it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Runs `action` until it succeeds, waiting with capped exponential backoff (equal jitter) between
 * attempts. Every error counts as transient: callers that know an error is permanent turn it into
 * a result (a dead letter, a rejection) before it gets here.
 */
export async function retryWithBackoff<T>(action: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T | GaveUp> {
  const backoff = new Backoff(options.backoff, options.random);
  const wait = options.wait ?? (async (ms: number) => (await sleep(ms, options.signal), !options.signal?.aborted));
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) return GAVE_UP;
    try {
      return await action(attempt);
    } catch (error) {
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw error;
      const delay = backoff.next();
      options.onRetry?.(error, attempt, delay);
      if (!(await wait(delay))) return GAVE_UP;
    }
  }
}
