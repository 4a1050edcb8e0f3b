import { z } from 'zod';
import { DEFAULT_SAGA_WORKER_OPTIONS, type SagaWorkerOptions } from './bullmq-saga.worker';
import type { SagaQueueConfig } from './saga-queue.config';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const sagaEnvSchema = z.object({
  /** Redis of the saga step jobs; defaults to the cache's Redis. No persistence needed: the state is in MySQL. */
  SHARDLINE_SAGA_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// URL').optional(),
  SHARDLINE_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// URL').default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix: every process of one deployment must use the same. */
  SHARDLINE_SAGA_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('shardline'),
  SHARDLINE_SAGA_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(DEFAULT_SAGA_WORKER_OPTIONS.concurrency),
  SHARDLINE_SAGA_LOCK_MS: ms(1000, 600_000, DEFAULT_SAGA_WORKER_OPTIONS.lockDurationMs),
  SHARDLINE_SAGA_STALLED_CHECK_MS: ms(100, 600_000, DEFAULT_SAGA_WORKER_OPTIONS.stalledIntervalMs),
  SHARDLINE_SAGA_RESUME_INTERVAL_MS: ms(100, 600_000, DEFAULT_SAGA_WORKER_OPTIONS.resumeIntervalMs),
  SHARDLINE_SAGA_RESUME_IDLE_MS: ms(100, 3_600_000, DEFAULT_SAGA_WORKER_OPTIONS.resumeIdleMs),
  SHARDLINE_SAGA_PAYLOAD_RETENTION_MS: ms(1000, 30 * 24 * 3_600_000, DEFAULT_SAGA_WORKER_OPTIONS.payloadRetentionMs),
  /** First retry delay of a failed step attempt (doubled per attempt). */
  SHARDLINE_SAGA_RETRY_BACKOFF_MS: ms(1, 60_000, 200),
});

export interface SagaRuntimeConfig {
  queue: SagaQueueConfig;
  worker: SagaWorkerOptions;
  retryBackoffMs: number;
}

/** The saga runtime's settings from an environment map (apps pass process.env). */
export function sagaRuntimeConfigFromEnv(env: Record<string, string | undefined>): SagaRuntimeConfig {
  const parsed = sagaEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return {
    queue: { redisUrl: e.SHARDLINE_SAGA_REDIS_URL ?? e.SHARDLINE_REDIS_URL, prefix: e.SHARDLINE_SAGA_QUEUE_PREFIX, queue: 'sagas' },
    worker: {
      concurrency: e.SHARDLINE_SAGA_CONCURRENCY,
      lockDurationMs: e.SHARDLINE_SAGA_LOCK_MS,
      stalledIntervalMs: e.SHARDLINE_SAGA_STALLED_CHECK_MS,
      resumeIntervalMs: e.SHARDLINE_SAGA_RESUME_INTERVAL_MS,
      resumeIdleMs: e.SHARDLINE_SAGA_RESUME_IDLE_MS,
      payloadRetentionMs: e.SHARDLINE_SAGA_PAYLOAD_RETENTION_MS,
    },
    retryBackoffMs: e.SHARDLINE_SAGA_RETRY_BACKOFF_MS,
  };
}
