import { Queue } from 'bullmq';
import { UnavailableError } from '@shardline/errors';
import { sagaJobId, type SagaJob, type SagaJobOptions, type SagaJobQueue } from '../ports/saga-job-queue.port';
import { bullmqConnection, type SagaQueueConfig } from './saga-queue.config';

/** The backoff type of saga jobs: exponential from the job's delay, capped (see cappedExponentialBackoff). */
export const CAPPED_EXPONENTIAL = 'capped-exponential';

/** Longest wait between two attempts of a step: a step allowed 20 attempts must not wait hours for its last ones. */
export const MAX_RETRY_DELAY_MS = 30_000;

/** BullMQ backoff strategy of the saga workers: delay × 2^(attempt−1), at most MAX_RETRY_DELAY_MS. */
export function cappedExponentialBackoff(attemptsMade: number, _type?: string, _error?: Error, job?: { opts?: { backoff?: unknown } }): number {
  const backoff = job?.opts?.backoff as { delay?: number } | undefined;
  return Math.min(MAX_RETRY_DELAY_MS, (backoff?.delay ?? 200) * 2 ** Math.max(0, attemptsMade - 1));
}

/** Failed jobs stay a week (at most 10,000) for Bull Board; the saga's own record keeps every failure anyway. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 };

/**
 * SagaJobQueue on BullMQ. The job id is (saga, version), and BullMQ adds nothing when a job of that
 * id exists, so enqueueing twice (a duplicate transition, the resumer) leaves one job. Completed jobs
 * are removed at once: the saga's durable state is the record, and a removed id can be enqueued again.
 */
export class BullmqSagaJobQueue implements SagaJobQueue {
  readonly queue: Queue<SagaJob>;

  constructor(
    config: SagaQueueConfig,
    private readonly timeoutMs = 2000,
  ) {
    this.queue = new Queue<SagaJob>(config.queue, { connection: bullmqConnection(config.redisUrl), prefix: config.prefix });
    this.queue.on('error', () => {}); // reported through the failing calls; BullMQ would otherwise print every reconnect
  }

  /**
   * Fails within `timeoutMs` while Redis is unreachable (BullMQ would wait for the connection):
   * a request starting a saga must not hang, and the resumer enqueues later. An add that completes
   * after the timeout is harmless: the job id makes it the same job.
   */
  enqueue(job: SagaJob, options: SagaJobOptions): Promise<void> {
    return this.withinTimeout(job, this.add(job, options));
  }

  ensure(job: SagaJob, options: SagaJobOptions): Promise<void> {
    return this.withinTimeout(job, this.revive(job, options));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async withinTimeout(job: SagaJob, work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError('SAGA.QUEUE_UNAVAILABLE', `the saga queue did not take job ${sagaJobId(job)} within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async add(job: SagaJob, options: SagaJobOptions): Promise<void> {
    await this.queue.add('step', job, {
      jobId: sagaJobId(job),
      attempts: options.attempts,
      delay: options.delayMs ?? 0,
      backoff: { type: CAPPED_EXPONENTIAL, delay: options.backoffMs },
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED,
    });
  }

  private async revive(job: SagaJob, options: SagaJobOptions): Promise<void> {
    const existing = await this.queue.getJob(sagaJobId(job));
    if (existing && (await existing.isFailed())) {
      // The queue ran out of deliveries (e.g. the control database was down for all of them): revive it.
      await existing.retry('failed', { resetAttemptsMade: true });
      return;
    }
    await this.add(job, options);
  }
}
