import { randomBytes } from 'node:crypto';

/**
 * Saga runtime settings for tests that kill, stall or cut off a worker: a private queue (tests never
 * pick up each other's jobs) and timings short enough that retries, stalled-job recovery and the
 * resumer act within a test's patience.
 */
export function fastSagaEnv(): Record<string, string> {
  return {
    SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20',
    SHARDLINE_SAGA_LOCK_MS: '1500',
    SHARDLINE_SAGA_STALLED_CHECK_MS: '500',
    SHARDLINE_SAGA_RESUME_INTERVAL_MS: '300',
    SHARDLINE_SAGA_RESUME_IDLE_MS: '1000',
  };
}
