import type { Consumer, Kafka } from 'kafkajs';
import { connected } from './connected';

export interface ConsumerGroupOptions {
  groupId: string;
  topic: string;
  /** Where a group with no committed offset starts: the earliest retained message, or the end. */
  fromBeginning: boolean;
  /** How long a silent member keeps its partitions (ms); heartbeats go out at a third of it, at most every 3 s. */
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /**
   * The fetch shape: the broker answers a fetch once it holds minBytes for us or maxWaitTimeInMs
   * passed. minBytes 1 answers at once, so a steady stream arrives as many small fetches, and every
   * fetch becomes one apply (one bulk, one insert per table): cheap for latency, dear per event.
   */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
  onJoin(): void;
  /** kafkajs gave up on the consumer (restart false) or restarts it (restart true). */
  onCrash(restart: boolean | undefined, error: unknown): void;
}

/** A connected consumer of the group, subscribed to the topic; run() it to consume. */
export async function joinConsumerGroup(kafka: Kafka, options: ConsumerGroupOptions): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
    ...(options.fetch ? { minBytes: options.fetch.minBytes, maxWaitTimeInMs: options.fetch.maxWaitTimeInMs } : {}),
  });
  consumer.on(consumer.events.GROUP_JOIN, () => options.onJoin());
  consumer.on(consumer.events.CRASH, (event) => {
    const { restart, error } = event.payload as { restart?: boolean; error?: unknown };
    options.onCrash(restart, error);
  });
  await connected(consumer);
  try {
    await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
  } catch (error) {
    await consumer.disconnect().catch(() => {});
    throw error;
  }
  return consumer;
}
