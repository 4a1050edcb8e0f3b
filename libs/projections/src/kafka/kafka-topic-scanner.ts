import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { connected } from './connected';

export interface TopicScanOptions {
  /**
   * Which offsets of a partition to read, given what the topic holds now ([low, high), high read
   * committed): default all of it; null skips the partition.
   */
  select?: (partition: number, low: bigint, high: bigint) => { start: bigint; end: bigint } | null;
  /** Gives up (complete: false) when the read makes no progress for this long (ms). */
  idleTimeoutMs?: number;
  /** Names the throwaway consumer group (`<label>-<uuid>`, deleted afterwards). */
  label?: string;
}

export interface TopicScan {
  complete: boolean;
  watermarks: Map<number, { low: bigint; high: bigint }>;
}

/**
 * Reads a topic from the offsets chosen to its end as of the call, read committed (what aborted
 * transactions wrote is never seen), with a throwaway consumer group (kafkajs has no group-less
 * consumer): nothing is committed, the group is deleted afterwards. Progress is taken from every
 * batch the consumer processes, transaction markers included, so a topic that ends in a marker
 * still counts as read to its end.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  visit: (partition: number, messages: KafkaMessage[], keepAlive: () => Promise<void>) => Promise<void>,
  options: TopicScanOptions = {},
): Promise<TopicScan> {
  const admin = await connected(kafka.admin());
  const groupId = `${options.label ?? 'shardline-topic-scan'}-${randomUUID()}`;
  try {
    const watermarks = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
    const ranges = new Map<number, { next: bigint; end: bigint }>();
    for (const [partition, { low, high }] of watermarks) {
      const range = options.select ? options.select(partition, low, high) : { start: low, end: high };
      if (range && range.start < range.end) ranges.set(partition, { next: range.start, end: range.end });
    }
    const unread = () => [...ranges.values()].some((r) => r.next < r.end);
    if (!unread()) return { complete: true, watermarks };
    await readRanges(kafka, topic, groupId, ranges, unread, visit, options.idleTimeoutMs ?? 15_000);
    return { complete: !unread(), watermarks };
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function readRanges(
  kafka: Kafka,
  topic: string,
  groupId: string,
  ranges: Map<number, { next: bigint; end: bigint }>,
  unread: () => boolean,
  visit: (partition: number, messages: KafkaMessage[], keepAlive: () => Promise<void>) => Promise<void>,
  idleTimeoutMs: number,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 60_000, rebalanceTimeout: 60_000, heartbeatInterval: 3000, readUncommitted: false });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let failure: unknown;
  let lastProgress = Date.now();
  let busy = false;
  const advance = (partition: number, lastOffset: string) => {
    const range = ranges.get(partition);
    const next = BigInt(lastOffset) + 1n;
    if (range && next > range.next) range.next = next;
    lastProgress = Date.now();
    if (!unread()) finish();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.partition, payload.lastOffset));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    failure = payload.error;
    finish();
  });
  await connected(consumer);
  const idle = setInterval(() => {
    if (!busy && Date.now() - lastProgress > idleTimeoutMs) finish();
  }, 250);
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = ranges.get(batch.partition);
        if (!range) return;
        const messages = batch.messages.filter((m) => BigInt(m.offset) >= range.next && BigInt(m.offset) < range.end);
        if (messages.length === 0) return;
        busy = true;
        try {
          await visit(batch.partition, messages, heartbeat);
        } catch (error) {
          failure = error;
          finish();
          throw error;
        } finally {
          busy = false;
          lastProgress = Date.now();
        }
      },
    });
    // A fresh group starts at the oldest retained message; a later start is a seek.
    for (const [partition, range] of ranges) consumer.seek({ topic, partition, offset: range.next.toString() });
    await finished;
    if (failure !== undefined) throw failure;
  } finally {
    clearInterval(idle);
    await consumer.disconnect().catch(() => {});
  }
}
