import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { encodeEnvelope, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import { createElasticsearchClient, type RecordDocument } from '@shardline/projection-elasticsearch';
import type { ProjectionTopics } from '@shardline/projections';
import type { UserKeys } from '@shardline/user-keys';
import { waitFor } from '../support/wait-for';

/** Test-private names: a random prefix per test file, so parallel jest workers never meet. */
export function randomTag(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

export function testEsClient(): Client {
  return createElasticsearchClient({ url: process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200', requestTimeoutMs: 30_000, maxRetries: 1 });
}

/** Drops every index, alias and template of an index base (destructive wildcards are refused by ES 8, so by name). */
export async function dropIndexBase(client: Client, base: string): Promise<void> {
  const indices = Object.keys(await client.indices.get({ index: [`${base}-*`, `${base}_projection_state`], allow_no_indices: true, ignore_unavailable: true }));
  if (indices.length > 0) await client.indices.delete({ index: indices });
  const templates = await client.indices.getIndexTemplate({ name: `${base}*` }).catch(() => ({ index_templates: [] }));
  for (const t of templates.index_templates) await client.indices.deleteIndexTemplate({ name: t.name });
}

/** Every document (tombstones included) of an index or alias, by record id. */
export async function allDocuments(client: Client, index: string): Promise<Map<string, RecordDocument & { _version?: number; _index: string }>> {
  await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  const out = new Map<string, RecordDocument & { _version?: number; _index: string }>();
  let after: unknown[] | undefined;
  for (;;) {
    const res = await client.search<RecordDocument>({ index, size: 1000, version: true, sort: [{ record_id: 'asc' }], search_after: after as never, query: { match_all: {} } });
    for (const hit of res.hits.hits) out.set(hit._id!, { ...hit._source!, _version: hit._version, _index: hit._index });
    if (res.hits.hits.length < 1000) return out;
    after = res.hits.hits[res.hits.hits.length - 1].sort as unknown[];
  }
}

/**
 * The projector's environment on a test's private topics, with its consumer groups, Kafka client,
 * index base (`<name>-records`) and ClickHouse database (`<name>_analytics`) named by `name`.
 */
export function projectorTestEnv(name: string, topics: ProjectionTopics, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SHARDLINE_ES_INDEX: `${name}-records`,
    SHARDLINE_CLICKHOUSE_DATABASE: `${name}_analytics`,
    SHARDLINE_EVENTS_TOPIC: topics.events,
    SHARDLINE_EVENTS_DLQ_TOPIC: topics.deadLetter,
    SHARDLINE_KAFKA_CLIENT_ID: `projector-${name}`,
    SHARDLINE_PROJECTOR_GROUP_PREFIX: `${name}-projection-`,
    SHARDLINE_PROJECTOR_OPS_PORT: '0',
    SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1',
    SHARDLINE_LOG_LEVEL: 'error',
    ...extra,
  };
}

export interface TestKafka {
  kafka: Kafka;
  topics: ProjectionTopics;
  drop(): Promise<void>;
}

export async function createTestKafka(tag: string, partitions = 4): Promise<TestKafka> {
  const kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${tag}`));
  const topics = { events: `${tag}.records.events`, deadLetter: `${tag}.records.events.dlq` };
  await ensureTopics(kafka, [
    { topic: topics.events, numPartitions: partitions },
    { topic: topics.deadLetter, numPartitions: 1 },
  ]);
  return {
    kafka,
    topics,
    async drop() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [topics.events, topics.deadLetter] }).catch(() => {});
      } finally {
        await admin.disconnect();
      }
    },
  };
}

export async function produce(kafka: Kafka, topic: string, messages: Array<{ key: string; value: Buffer | string }>): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

/** Messages sealed as the relay seals them: each user's data key, created when missing. */
export async function sealedMessages(keys: UserKeys, events: RecordEventEnvelope[]): Promise<Array<{ key: string; value: Buffer }>> {
  const found = await keys.keysFor(events.map((e) => e.user_id));
  return events.map((e) => ({ key: e.business_id, value: encodeEnvelope(sealEnvelope(e, found.get(e.user_id)!)) }));
}

export function asMessages(events: RecordEventEnvelope[]) {
  return events.map((e) => ({ key: e.business_id, value: encodeEnvelope(e) }));
}

/** Reads everything currently in a topic (from the beginning) until `count` messages arrived. */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    await waitFor(() => `${count} messages on ${topic} (have ${messages.length})`, () => messages.length >= count, { timeoutMs, intervalMs: 200 });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

const ids = new SnowflakeIdGenerator(Math.floor(Math.random() * 1000));

/** Builds the envelopes a record's life produces, as the relay would publish them. */
export class RecordStory {
  readonly id = ids.next();
  readonly events: RecordEventEnvelope[] = [];
  private content: Record<string, unknown>;

  constructor(
    readonly businessId: string,
    readonly userId = '42',
    content: Record<string, unknown> = { note: 'hello world' },
  ) {
    this.content = content;
    this.push('RecordCreated', { id: this.id, business_id: businessId, user_id: userId, data_content: content, created_time: new Date().toISOString() });
  }

  update(content: Record<string, unknown>): this {
    this.content = content;
    this.push('RecordUpdated', { id: this.id, business_id: this.businessId, user_id: this.userId, patch: content, data_content: content, updated_time: new Date().toISOString() });
    return this;
  }

  delete(): this {
    this.push('RecordDeleted', { id: this.id, business_id: this.businessId, user_id: this.userId, deleted_time: new Date().toISOString() });
    return this;
  }

  /** The end of this stream when a move took the record to `copy` (see movedIn). */
  moveOut(copy: RecordStory): this {
    this.push('RecordMovedOut', { id: this.id, business_id: this.businessId, user_id: this.userId, moved_time: new Date().toISOString(), to: { business_id: copy.businessId, id: copy.id } });
    return this;
  }

  /** The copy a move makes of `source` in `businessId`: a new record whose first event is RecordMovedIn. */
  static movedIn(source: RecordStory, businessId: string): RecordStory {
    const copy = new RecordStory(businessId, source.userId, source.currentContent);
    copy.events[0] = {
      ...copy.events[0],
      event_type: 'RecordMovedIn',
      data: { ...copy.events[0].data, moved_from: { business_id: source.businessId, id: source.id, version: source.version } },
    };
    return copy;
  }

  get version(): number {
    return this.events.length;
  }

  get deleted(): boolean {
    return ['RecordDeleted', 'RecordMovedOut'].includes(this.events[this.events.length - 1].event_type);
  }

  get currentContent(): Record<string, unknown> {
    return this.content;
  }

  private push(type: string, data: Record<string, unknown>) {
    const version = this.events.length + 1;
    this.events.push({
      envelope_version: 1,
      event_id: randomUUID(),
      event_type: type,
      schema_version: 1,
      stream_id: `record-${this.id}`,
      stream_version: version,
      shard: 0,
      position: String(1000 + version),
      business_id: this.businessId,
      user_id: this.userId,
      record_id: this.id,
      occurred_at: new Date().toISOString(),
      command_id: randomUUID(),
      correlation_id: randomUUID(),
      causation_id: null,
      actor: null,
      data,
    });
  }
}

export function shuffle<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
