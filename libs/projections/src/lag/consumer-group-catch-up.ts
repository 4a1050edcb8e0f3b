import type { TopicOffsetsPort } from './topic-offsets.port';

/**
 * Has a projection's consumer group applied everything published so far? The first call captures
 * the topic's end offsets; every call then answers whether the group's committed offsets reached
 * them on every partition (the group commits only after its sink accepted a chunk, see
 * PartitionBatchProcessor). null when it cannot tell (the group never committed, the broker is not
 * reachable): the caller falls back on time. `verify` settles its re-checks with this.
 */
export class ConsumerGroupCatchUp {
  private target?: Map<number, bigint>;

  constructor(
    private readonly offsets: TopicOffsetsPort,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async caughtUp(): Promise<boolean | null> {
    try {
      this.target ??= new Map((await this.offsets.topicOffsets(this.topic)).map((p) => [p.partition, p.high]));
      const committed = await this.offsets.groupOffsets(this.groupId, this.topic);
      if (![...committed.values()].some((offset) => offset >= 0n)) return null;
      for (const [partition, high] of this.target) if ((committed.get(partition) ?? -1n) < high && high > 0n) return false;
      return true;
    } catch {
      return null;
    }
  }
}
