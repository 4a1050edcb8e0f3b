import { messageOf } from '@shardline/errors';
import { GAVE_UP, retryWithBackoff, type BackoffOptions, type WorkerLog } from '@shardline/worker';
import type { ProjectionLagMonitor } from '../lag/projection-lag.monitor';
import type { ProjectionMetrics } from '../projection.metrics';
import type { ApplyCoalescer } from './apply-coalescer';
import { applyChunk, type AppliedChunk } from './apply-chunk';
import type { DeadLetterPublisher } from './dead-letter.port';
import type { DecodedEnvelopeCache } from './decoded-envelope-cache';
import type { EnvelopeKeys } from './envelope-keys.port';
import type { BatchControl, PartitionBatch } from './partition-batch.port';

export interface PartitionBatchProcessorOptions {
  projection: string;
  /** The sink's apply, shared by the partitions processed at the same time. */
  coalescer: ApplyCoalescer;
  deadLetters: DeadLetterPublisher;
  /** Opens sealed envelopes (one lookup per chunk); see applyChunk. */
  keys?: EnvelopeKeys;
  /** Shared with the process's other projections: each message decoded and opened once (see DecodedEnvelopeCache). */
  cache?: DecodedEnvelopeCache;
  lag: ProjectionLagMonitor;
  /** Most events handed to one apply (a fetched batch is cut into chunks of this size). */
  batchSize: number;
  retry: BackoffOptions;
  metrics?: ProjectionMetrics;
  log: WorkerLog;
}

/**
 * The live projection's loop over one fetched partition batch, with no broker behind it. Per chunk
 * of `batchSize` messages: applyChunk (decode → open → apply, together with the chunks of the other
 * partitions in progress → dead letters), then commit the offset after the chunk. The commit comes
 * only after the sink accepted the chunk and the dead letters were acknowledged, so a crash
 * anywhere before re-delivers the chunk (at least once; the sinks' external versions make that
 * harmless). A transient failure (sink or dead-letter publish throws) is retried with capped
 * exponential backoff for as long as it takes: the chunk is neither committed nor skipped, so
 * later events of the partition wait behind it (per-partition order holds and nothing is lost
 * while the read model is down). Only a stop or the loss of the partition abandons it, uncommitted.
 */
export class PartitionBatchProcessor {
  constructor(private readonly options: PartitionBatchProcessorOptions) {}

  /** Resolves true when every chunk was applied and committed, false when the rest was abandoned. */
  async process(batch: PartitionBatch, control: BatchControl): Promise<boolean> {
    const { coalescer, batchSize } = this.options;
    coalescer.enter();
    try {
      for (let i = 0; i < batch.messages.length; i += batchSize) {
        if (!control.isActive()) return false;
        const chunk = batch.messages.slice(i, i + batchSize);
        const done = await applyChunk(chunk, {
          projection: this.options.projection,
          apply: (events) => coalescer.apply(events),
          deadLetters: this.options.deadLetters,
          keys: this.options.keys,
          cache: this.options.cache,
          retry: (what, step) => this.retrying(batch, control, what, step),
        });
        if (done === GAVE_UP) return false;
        this.reportDeadLetters(done);
        await control.commit(BigInt(chunk[chunk.length - 1].position.offset) + 1n);
        this.options.lag.applied(batch.partition, done.events);
        this.options.metrics?.applied.inc({ projection: this.options.projection }, done.applied);
      }
      return true;
    } finally {
      coalescer.leave();
    }
  }

  /** Waits through control.wait (heart-beating), so the group keeps us while a read model is down. */
  private retrying<T>(batch: PartitionBatch, control: BatchControl, what: string, step: () => Promise<T>) {
    const { projection, metrics, log } = this.options;
    return retryWithBackoff(step, {
      backoff: this.options.retry,
      wait: (ms) => control.wait(ms),
      onRetry: (error, attempt, delay) => {
        metrics?.retries.inc({ projection });
        log(attempt === 1 ? 'warn' : 'error', `projection ${projection}: ${what} failed (attempt ${attempt}), retrying in ${delay} ms`, {
          partition: batch.partition,
          error: messageOf(error),
        });
      },
    });
  }

  private reportDeadLetters(done: AppliedChunk): void {
    const { projection, metrics, log } = this.options;
    for (const { message, kind, reason } of done.deadLetters) {
      metrics?.deadLettered.inc({ projection, kind });
      const { topic, partition, offset } = message.position;
      log('warn', `projection ${projection}: dead-lettered ${topic}/${partition}@${offset}`, { kind, reason });
    }
  }
}
