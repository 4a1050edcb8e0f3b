import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { TOPIC_RETENTION_MS, topicSpecAs } from '@shardline/integration-events';
import { createKafka, enforceTopicConfig, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import { ensureProjectionTopics } from '@shardline/projections/kafka';
import { randomTag } from '../projections/projection-fixtures';

/** Topic retention is set deliberately: at creation (TOPIC_SPECS) and on existing topics by `maintain --only kafka`. */
describe('Kafka topic retention', () => {
  let kafka: Kafka;
  const tag = randomTag();
  const topics = { events: `${tag}.records.events`, deadLetter: `${tag}.records.events.dlq` };
  const old = `${tag}.made-by-hand`;

  const configOf = async (topic: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
      return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(() => {
    kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${tag}`));
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.events, topics.deadLetter, old] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates the events and dead-letter topics with their retention', async () => {
    await ensureProjectionTopics(kafka, topics);
    expect(await configOf(topics.events)).toMatchObject({ 'retention.ms': String(TOPIC_RETENTION_MS.events), 'cleanup.policy': 'delete' });
    expect(await configOf(topics.deadLetter)).toMatchObject({ 'retention.ms': String(TOPIC_RETENTION_MS.eventsDeadLetter) });
  });

  it('sets the retention of a topic created otherwise, keeps its other overrides, and changes nothing the second time', async () => {
    await ensureTopics(kafka, [{ topic: old, numPartitions: 2, configEntries: { 'retention.ms': '3600000', 'max.message.bytes': '2000000' } }]);
    const wanted = topicSpecAs('events', old);
    const first = await enforceTopicConfig(kafka, [wanted, { ...wanted, topic: `${tag}.missing` }]);
    expect(first).toEqual([
      // cleanup.policy is already `delete` (the broker default): only the retention differed.
      { topic: old, changed: { 'retention.ms': ['3600000', String(TOPIC_RETENTION_MS.events)] } },
      { topic: `${tag}.missing`, changed: {}, missing: true },
    ]);
    expect(await configOf(old)).toMatchObject({ 'retention.ms': String(TOPIC_RETENTION_MS.events), 'max.message.bytes': '2000000', 'cleanup.policy': 'delete' });
    expect(await enforceTopicConfig(kafka, [wanted])).toEqual([{ topic: old, changed: {} }]);
  });
});
