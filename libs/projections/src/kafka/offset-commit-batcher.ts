/** One partition's offset to commit (the next offset to consume, as Kafka stores it). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Sends one OffsetCommit request for all the given partitions (kafkajs: an eachBatch payload's commitOffsetsIfNecessary). */
export type SendCommit = (offsets: { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }) => Promise<void>;

interface Pending extends PartitionOffset {
  send: SendCommit;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the offset commits a runner's partitions ask for in the same turn of the event loop into
 * ONE OffsetCommit request. The ApplyCoalescer hands one flush to all the partitions of a fetch at
 * once, and each then committed its own offset: 8 requests per fetch per consumer group (a write, a
 * response and the broker's work each), where the raw consumer of bench/pipeline commits once.
 *
 * Each caller's promise settles with the request that carried its offset: resolved once the broker
 * acknowledged it, rejected with its error, so a partition still moves on only after its own offset
 * is committed. Every caller of one batcher belongs to the same consumer (one group member), which
 * is what makes one caller's `send` good for the others' offsets.
 */
export class OffsetCommitBatcher {
  private pending: Pending[] = [];

  commit(offset: PartitionOffset, send: SendCommit): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ ...offset, send, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const taken = this.pending;
    this.pending = [];
    // A partition asked twice in one turn (it cannot be, its chunks are sequential): the highest offset goes.
    const byPartition = new Map<string, Pending>();
    for (const p of taken) {
      const key = `${p.topic}\u0000${p.partition}`;
      const seen = byPartition.get(key);
      if (!seen || BigInt(p.offset) > BigInt(seen.offset)) byPartition.set(key, p);
    }
    const topics = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of byPartition.values()) {
      const partitions = topics.get(topic) ?? [];
      partitions.push({ partition, offset });
      topics.set(topic, partitions);
    }
    try {
      await taken[0].send({ topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) });
      for (const p of taken) p.resolve();
    } catch (error) {
      for (const p of taken) p.reject(error);
    }
  }
}
