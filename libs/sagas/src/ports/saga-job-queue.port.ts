/** One step execution of one saga: valid only while the saga is still at this version. */
export interface SagaJob {
  sagaId: string;
  version: number;
}

export interface SagaJobOptions {
  /** Delivery attempts the queue makes (the saga's own attempt count, kept durably, decides when a step fails for good). */
  attempts: number;
  /** First retry delay; doubled per attempt, up to a cap (30 s on BullMQ). */
  backoffMs: number;
  /** The job waits this long before a worker may take it (a continued step's throttle); default 0. */
  delayMs?: number;
}

/**
 * Where step executions wait for a worker (BullMQ on Redis). Jobs are named by (saga, version), so
 * enqueueing the same job twice leaves one; losing every job (Redis restarted empty) loses nothing,
 * because the orchestrator's resumer re-enqueues from the durable state.
 */
export interface SagaJobQueue {
  /** Adds the job unless a job of the same (saga, version) is waiting, delayed or running. */
  enqueue(job: SagaJob, options: SagaJobOptions): Promise<void>;
  /** Like enqueue, and also revives such a job that the queue gave up on (failed). */
  ensure(job: SagaJob, options: SagaJobOptions): Promise<void>;
}

export function sagaJobId(job: SagaJob): string {
  return `${job.sagaId}.v${job.version}`;
}
