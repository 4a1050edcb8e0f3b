import type { Kafka } from 'kafkajs';
import { DEAD_LETTER_RETENTION_MS, TOPIC_SPECS } from '@shardline/integration-events';
import { ensureTopics } from '@shardline/kafka';
import type { ProjectionTopics } from '../projection-topics';

/**
 * Creates (or grows) the events and dead-letter topics to their partition counts (TOPIC_SPECS;
 * 8 and 1 for topics not listed there) before a consumer subscribes or offsets are captured: the
 * broker would otherwise auto-create them with one partition. A dead-letter topic created here
 * keeps its letters DEAD_LETTER_RETENTION_MS.
 */
export async function ensureProjectionTopics(kafka: Kafka, topics: ProjectionTopics): Promise<void> {
  const spec = (topic: string, partitions: number) => TOPIC_SPECS.find((t) => t.topic === topic) ?? { topic, numPartitions: partitions };
  await ensureTopics(kafka, [spec(topics.events, 8), { ...spec(topics.deadLetter, 1), configEntries: { 'retention.ms': String(DEAD_LETTER_RETENTION_MS) } }]);
}
