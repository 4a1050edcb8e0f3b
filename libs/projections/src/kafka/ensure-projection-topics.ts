import type { Kafka } from 'kafkajs';
import { topicSpecAs } from '@shardline/integration-events';
import { ensureTopics } from '@shardline/kafka';
import type { ProjectionTopics } from '../projection-topics';

/**
 * Creates (or grows) the events and dead-letter topics to their partition counts and retention
 * (TOPIC_SPECS, under the configured names) before a consumer subscribes or offsets are captured:
 * the broker would otherwise auto-create them with one partition and its default retention.
 */
export async function ensureProjectionTopics(kafka: Kafka, topics: ProjectionTopics): Promise<void> {
  await ensureTopics(kafka, [topicSpecAs('events', topics.events), topicSpecAs('eventsDeadLetter', topics.deadLetter)]);
}
