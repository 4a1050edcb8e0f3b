import type { Batch, EachBatchPayload } from 'kafkajs';
import { sleep, type WorkerLog } from '@shardline/worker';
import type { BatchControl, PartitionBatch } from '../apply/partition-batch.port';
import type { OffsetCommitBatcher } from './offset-commit-batcher';

/** A fetched kafkajs batch as the driver-free core sees it. */
export function partitionBatchOf(batch: Batch): PartitionBatch {
  const { topic, partition } = batch;
  return {
    topic,
    partition,
    messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {}, position: { topic, partition, offset: m.offset } })),
  };
}

/**
 * The core's hold on one eachBatch call: commits through the consumer group, heart-beats while a
 * failure is waited out, and notices a stop or a rebalance.
 */
export class KafkaBatchControl implements BatchControl {
  constructor(
    private readonly payload: EachBatchPayload,
    /** Per partition, the next offset THIS process committed (shared by every batch of the runner). */
    private readonly committed: Map<number, bigint>,
    private readonly stop: AbortSignal,
    private readonly log: WorkerLog,
    private readonly projection: string,
    /** The runner's: the partitions released by one apply commit in one request. */
    private readonly commits: OffsetCommitBatcher,
  ) {}

  isActive(): boolean {
    return !this.stop.aborted && this.ownsPartition();
  }

  async wait(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!this.isActive()) return false;
      // At least one heartbeat a second: a read model down for minutes must not get us evicted.
      await sleep(Math.min(1000, Math.max(1, until - Date.now())), this.stop);
      try {
        await this.payload.heartbeat();
      } catch (error) {
        // A rebalance took the partition (or is in progress): leave the chunk uncommitted for its next owner.
        this.log('warn', `projection ${this.projection}: heartbeat failed while retrying, abandoning the batch`, { error: String(error) });
        return false;
      }
    }
    return this.isActive();
  }

  async commit(next: bigint): Promise<void> {
    const { topic, partition } = this.payload.batch;
    this.payload.resolveOffset((next - 1n).toString());
    // A chunk re-delivered after a rebalance (already applied and committed further by this
    // process) must not move the group's offset backwards.
    if (next <= (this.committed.get(partition) ?? -1n)) return;
    await this.commits.commit({ topic, partition, offset: next.toString() }, (offsets) => this.payload.commitOffsetsIfNecessary(offsets));
    this.committed.set(partition, next);
  }

  /**
   * After the last chunk: transaction markers and compacted-away offsets carry no message; step
   * the committed offset over them too, or the group would stay "1 behind" forever. Skipped when
   * the partition is no longer ours (a stop alone does not skip it: the batch was fully applied).
   */
  async commitBatchEnd(): Promise<void> {
    const { partition } = this.payload.batch;
    const next = BigInt(this.payload.batch.lastOffset()) + 1n;
    if (next > (this.committed.get(partition) ?? -1n) && this.ownsPartition()) await this.commit(next);
  }

  private ownsPartition(): boolean {
    return this.payload.isRunning() && !this.payload.isStale();
  }
}
