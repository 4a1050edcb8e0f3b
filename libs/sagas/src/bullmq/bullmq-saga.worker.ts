import { Queue, Worker } from 'bullmq';
import { UnavailableError } from '@shardline/errors';
import type { Worker as LifecycleWorker } from '@shardline/worker';
import type { SagaJob } from '../ports/saga-job-queue.port';
import type { JobOutcome, SagaLog, SagaOrchestrator } from '../orchestrator/saga.orchestrator';
import { cappedExponentialBackoff } from './bullmq-saga-job.queue';
import { bullmqConnection, type SagaQueueConfig } from './saga-queue.config';

export interface SagaWorkerOptions {
  /** Step jobs this process runs at once. */
  concurrency: number;
  /**
   * How long a job stays locked to its worker without a lock renewal. A worker killed with kill -9
   * stops renewing; after this its job counts as stalled and another worker (or the restarted one)
   * runs it again, from the durable state.
   */
  lockDurationMs: number;
  /** How often this worker looks for stalled jobs. */
  stalledIntervalMs: number;
  /** How often the resumer looks for sagas no job runs for (lost with Redis, or a crash between save and enqueue). */
  resumeIntervalMs: number;
  /** A running saga unchanged for this long gets its job re-enqueued (a no-op when the job exists). */
  resumeIdleMs: number;
  /** Payloads (e.g. an atomic batch's records) are kept this long after their saga finished, for its answer. */
  payloadRetentionMs: number;
}

export const DEFAULT_SAGA_WORKER_OPTIONS: SagaWorkerOptions = {
  concurrency: 16,
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  resumeIntervalMs: 5_000,
  resumeIdleMs: 10_000,
  payloadRetentionMs: 24 * 3600_000,
};

/**
 * Runs saga step jobs from BullMQ through the orchestrator, and the resumer; driven by
 * WorkerLifecycle (prepare = Redis answers; start; graceful stop). A thrown StepAttemptFailed makes
 * BullMQ redeliver the job after its exponential backoff.
 */
export class BullmqSagaWorker implements LifecycleWorker {
  readonly name = 'saga-worker';
  private worker?: Worker<SagaJob, JobOutcome>;
  private resumer?: NodeJS.Timeout;
  private resuming?: Promise<unknown>;

  constructor(
    private readonly config: SagaQueueConfig,
    private readonly orchestrator: SagaOrchestrator,
    private readonly options: SagaWorkerOptions = DEFAULT_SAGA_WORKER_OPTIONS,
    private readonly log: SagaLog = () => {},
  ) {}

  /** Redis must answer before the worker starts (BullMQ would otherwise wait for it silently). */
  async prepare(): Promise<void> {
    const probe = new Queue(this.config.queue, { connection: bullmqConnection(this.config.redisUrl), prefix: this.config.prefix });
    probe.on('error', () => {});
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.waitUntilReady(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new UnavailableError('SAGA.QUEUE_UNAVAILABLE', `Redis at ${this.config.redisUrl} did not answer`)), 2000))),
      ]);
    } finally {
      clearTimeout(timer);
      await probe.close().catch(() => {});
    }
  }

  async start(): Promise<void> {
    if (this.worker) return;
    this.worker = new Worker<SagaJob, JobOutcome>(this.config.queue, (job, _token, signal) => this.orchestrator.runJob(job.data, signal), {
      connection: bullmqConnection(this.config.redisUrl),
      prefix: this.config.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      // A step of a saga killed repeatedly must still run: the durable attempt count bounds retries, not BullMQ's stall count.
      maxStalledCount: 1000,
      settings: { backoffStrategy: cappedExponentialBackoff },
    });
    this.worker.on('error', (error) => this.log('warn', `saga worker: ${error.message}`));
    await this.worker.waitUntilReady();
    this.resumer = setInterval(() => {
      this.resuming ??= this.orchestrator
        .resumeIdle(this.options.resumeIdleMs)
        .then((n) => n > 0 && this.log('info', `saga resumer: re-enqueued the jobs of ${n} idle sagas`))
        .then(() => this.orchestrator.purgePayloads(this.options.payloadRetentionMs))
        .catch((error) => this.log('warn', `saga resumer: ${(error as Error).message}`))
        .finally(() => (this.resuming = undefined));
    }, this.options.resumeIntervalMs);
    this.resumer.unref();
  }

  /** Graceful: no new jobs; running steps finish (their state is saved), then Redis is released. */
  async stop(): Promise<void> {
    if (this.resumer) clearInterval(this.resumer);
    await this.resuming;
    await this.worker?.close();
    this.worker = undefined;
  }

  isReady(): boolean {
    return this.worker?.isRunning() ?? false;
  }
}
