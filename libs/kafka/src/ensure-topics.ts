import type { Kafka } from 'kafkajs';

export interface TopicToEnsure {
  topic: string;
  numPartitions: number;
  /** Topic configuration set when the topic is created (e.g. retention.ms); an existing topic keeps its own. */
  configEntries?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics that do not exist yet (replication factor from the broker's default, so a
 * single-node dev broker and a 3-node cluster both work) and grows partition counts that are
 * too small. Never shrinks or deletes. Safe to run from every app at start-up, concurrently:
 * "already exists" answers are expected and ignored.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicToEnsure[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor: -1,
          configEntries: Object.entries(t.configEntries ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length === 0) return;
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
    const grow = present.flatMap((t) => {
      const current = metadata.topics.find((m) => m.name === t.topic)?.partitions.length ?? 0;
      return current < t.numPartitions ? [{ topic: t.topic, count: t.numPartitions }] : [];
    });
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
  } finally {
    await admin.disconnect();
  }
}
