import { sagaJobId, type SagaJob, type SagaJobOptions, type SagaJobQueue } from '../ports/saga-job-queue.port';

/**
 * SagaJobQueue in memory: jobs wait until a spec delivers them (`next`), so specs can reorder,
 * duplicate, drop or fail deliveries on purpose. Held to BullMQ by the saga-job-queue contract
 * (@shardline/testing/contracts): a job the queue gave up on (`giveUp`) stays, failed, so a plain
 * enqueue of its id adds nothing, as BullMQ keeps a failed job's id; `ensure` revives it. A delay
 * (options.delayMs) is kept with the job but not waited for: `next` hands out jobs in order.
 */
export class InMemorySagaJobQueue implements SagaJobQueue {
  readonly waiting: Array<SagaJob & { options: SagaJobOptions }> = [];
  readonly failed = new Set<string>();
  enqueued = 0;

  async enqueue(job: SagaJob, options: SagaJobOptions): Promise<void> {
    if (this.failed.has(sagaJobId(job)) || this.waiting.some((j) => sagaJobId(j) === sagaJobId(job))) return;
    this.enqueued++;
    this.waiting.push({ ...job, options });
  }

  async ensure(job: SagaJob, options: SagaJobOptions): Promise<void> {
    this.failed.delete(sagaJobId(job));
    await this.enqueue(job, options);
  }

  next(): SagaJob | undefined {
    const job = this.waiting.shift();
    return job && { sagaId: job.sagaId, version: job.version };
  }

  /** Every waiting job ran out of deliveries: the queue keeps them as failed (until `ensure`). */
  giveUp(): void {
    for (const job of this.waiting.splice(0)) this.failed.add(sagaJobId(job));
  }

  /** Loses every waiting job, as a Redis restarted without persistence would. */
  clear(): void {
    this.waiting.length = 0;
  }
}
