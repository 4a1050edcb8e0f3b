import { sagaJobId, type SagaJob, type SagaJobOptions, type SagaJobQueue } from '../ports/saga-job-queue.port';

/**
 * SagaJobQueue in memory: jobs wait until a spec delivers them (`next`, `deliverAll`), so specs
 * can reorder, duplicate, drop or fail deliveries on purpose.
 */
export class InMemorySagaJobQueue implements SagaJobQueue {
  readonly waiting: Array<SagaJob & { options: SagaJobOptions }> = [];
  readonly failed = new Set<string>();
  enqueued = 0;

  async enqueue(job: SagaJob, options: SagaJobOptions): Promise<void> {
    if (this.waiting.some((j) => sagaJobId(j) === sagaJobId(job))) return;
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

  /** Loses every waiting job, as a Redis restarted without persistence would. */
  clear(): void {
    this.waiting.length = 0;
  }
}
