import type { Kafka } from 'kafkajs';
import { DEFAULT_PROJECTION_TOPICS } from '../projection-topics';
import { runRebuild, type RebuildOptions, type RebuildReport } from '../rebuild/rebuild-projection.runner';
import { KafkaDeadLetterPublisher } from './kafka-dead-letter.publisher';
import { KafkaTopicOffsets } from './kafka-topic-offsets.adapter';
import { ProjectionRunner } from './projection.runner';

/**
 * The rebuild protocol (runRebuild: steps 1-6) over Kafka: the admin client captures and sets
 * offsets, the replay's dead letters go to the DLQ topic, and the catch-up consumer is a
 * ProjectionRunner in the rebuild's own group (the live runner's code: commit after apply, DLQ).
 */
export async function rebuildProjection(options: RebuildOptions & { kafka: Kafka }): Promise<RebuildReport> {
  const { kafka, log, retry } = options;
  const topics = options.topics ?? DEFAULT_PROJECTION_TOPICS;
  const offsets = new KafkaTopicOffsets(kafka);
  const deadLetters = new KafkaDeadLetterPublisher(kafka, topics.deadLetter);
  try {
    await offsets.connect();
    await deadLetters.connect();
    return await runRebuild(options, {
      offsets,
      deadLetters,
      catchUpConsumer: (groupId, target) =>
        new ProjectionRunner({ kafka, sink: target, topics, groupId, projectionName: target.name, fromBeginning: false, retry, lagRefreshMs: 0, log, keys: options.keys }),
    });
  } finally {
    await deadLetters.disconnect();
    await offsets.disconnect();
  }
}
