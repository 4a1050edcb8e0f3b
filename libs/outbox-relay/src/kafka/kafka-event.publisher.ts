import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { UnavailableError } from '@shardline/errors';
import { topicSpecAs, type RecordEventEnvelope } from '@shardline/integration-events';
import { ensureTopics } from '@shardline/kafka';
import type { EventPublisher, RelayLog } from '../outbox-relay.ports';
import { encodeRelayedEnvelope } from '../stored-json';

export interface KafkaEventPublisherOptions {
  topic: string;
  compression: 'none' | 'gzip';
  /**
   * Upper bound of one produce request's payload: the broker refuses a record batch above its
   * message.max.bytes (1 MiB by default), and 1,000 events of up to 64 KiB each would exceed it,
   * so a poll batch is sent as several requests in order (never reordering a key).
   */
  maxRequestBytes: number;
  /** kafkajs' own retries inside one publish; after them the relay's backoff takes over. */
  retries: number;
  /**
   * Longest one publish may take before the relay gives up on it (the producer is then replaced
   * and the rows retried): bounds what kafkajs' connection and request retries can add up to
   * when the broker is down or hangs, so the relay keeps checking its lease and can shut down.
   */
  publishTimeoutMs: number;
  /** Readiness probe timeout. */
  pingTimeoutMs: number;
}

export const DEFAULT_KAFKA_PUBLISHER_OPTIONS: Omit<KafkaEventPublisherOptions, 'topic'> = {
  compression: 'none',
  maxRequestBytes: 900 * 1024,
  retries: 3,
  publishTimeoutMs: 15_000,
  pingTimeoutMs: 3000,
};

/**
 * Publishes envelopes to the events topic with a kafkajs idempotent producer:
 * - acks -1 (all in-sync replicas) and `publish` resolves only after every request was acked;
 * - maxInFlightRequests 1, so a retried request can never overtake a later one (order per key);
 * - key = business_id, so all events of a business land on one partition in publish order;
 * - headers carry the event type and envelope version, so consumers can route or skip without
 *   parsing the value. The message timestamp is left to the broker clock (send time): an old
 *   backlog stamped with event times could be deleted by time-based retention right away.
 *
 * One producer (one broker connection) per shard: kafkajs sends an idempotent producer's requests
 * one at a time per broker, so shard loops sharing a producer would queue behind each other's acks
 * (measured: 4 shards on one producer spent ~3/4 of their publish time waiting for the others).
 * Per-key order only needs each shard's own requests in order, since a business lives on one shard.
 *
 * The idempotent producer dedupes kafkajs' internal retries. Its retries are bounded (kafkajs
 * warns about that) so that a publish fails within seconds when the broker is down, and the relay
 * keeps its rows and backs off instead of hanging (and can still shut down and notice a lost
 * lease). After a failed publish the producer is discarded and a fresh one (new producer id) is
 * used: the failed batch is resent with different sequence numbers, avoiding OutOfOrderSequence
 * errors from a request the broker may half have written; any duplicate that creates is harmless.
 */
export class KafkaEventPublisher implements EventPublisher {
  /** By shard (the envelopes' `shard`). */
  private readonly producers = new Map<number, Promise<Producer>>();
  private admin: Admin | null = null;
  private readonly options: KafkaEventPublisherOptions;

  constructor(
    private readonly kafka: Kafka,
    options: Partial<KafkaEventPublisherOptions> & { topic: string },
    private readonly log: RelayLog = () => {},
  ) {
    this.options = { ...DEFAULT_KAFKA_PUBLISHER_OPTIONS, ...options };
  }

  /**
   * Creates the topic, or grows it, to the events topic's partition count and retention
   * (TOPIC_SPECS) before the first publish, which would otherwise auto-create it with one partition.
   */
  async prepare(): Promise<void> {
    const { topic } = this.options;
    await ensureTopics(this.kafka, [topicSpecAs('events', topic)]);
  }

  async publish(envelopes: RecordEventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const lane = envelopes[0].shard;
    const current = this.current(lane);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const message = `publish not acknowledged within ${this.options.publishTimeoutMs} ms`;
      timer = setTimeout(() => reject(new UnavailableError('RELAY.PUBLISH_TIMEOUT', message)), this.options.publishTimeoutMs);
    });
    try {
      await Promise.race([this.send(current, envelopes), timeout]);
    } catch (error) {
      this.discard(lane, current);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(current: Promise<Producer>, envelopes: RecordEventEnvelope[]): Promise<void> {
    const producer = await current;
    for (const messages of requests(envelopes.map(messageOf), this.options.maxRequestBytes)) {
      await producer.send({
        topic: this.options.topic,
        acks: -1,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages,
      });
    }
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.pingTimeoutMs)));
    const probe = (async () => {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      const cluster = await this.admin.describeCluster();
      return cluster.brokers.length > 0;
    })().catch(() => {
      const admin = this.admin;
      this.admin = null;
      void admin?.disconnect().catch(() => {});
      return false;
    });
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    const admin = this.admin;
    this.admin = null;
    await Promise.all([...producers.map((producer) => producer.then((p) => p.disconnect()).catch(() => {})), admin?.disconnect().catch(() => {})]);
  }

  /** The producer of one shard's loop (created on first use, replaced after a failed publish). */
  private current(lane: number): Promise<Producer> {
    let current = this.producers.get(lane);
    if (!current) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: this.options.retries, initialRetryTime: 200, maxRetryTime: 2000 },
      });
      current = producer.connect().then(
        () => producer,
        async (error: unknown) => {
          await producer.disconnect().catch(() => {});
          throw error;
        },
      );
      this.producers.set(lane, current);
    }
    return current;
  }

  /** Drops a producer that failed, unless another caller already replaced it. */
  private discard(lane: number, failed: Promise<Producer>): void {
    if (this.producers.get(lane) !== failed) return;
    this.producers.delete(lane);
    this.log('warn', 'kafka producer discarded after a failed publish; the next publish uses a new one');
    failed.then((p) => p.disconnect()).catch(() => {});
  }
}

/**
 * The key as bytes (kafkajs would otherwise encode the string twice, for the partitioner and the
 * record), and the header values as bytes shared by every message with that value (a handful of
 * event types and versions): kafkajs writes Buffers as they are.
 */
function messageOf(envelope: RecordEventEnvelope): Message {
  return {
    key: Buffer.from(envelope.business_id),
    value: encodeRelayedEnvelope(envelope),
    headers: {
      'event-type': headerValue(envelope.event_type),
      'envelope-version': headerValue(String(envelope.envelope_version)),
      'content-type': JSON_CONTENT_TYPE,
    },
  };
}

const JSON_CONTENT_TYPE = Buffer.from('application/json');
const headerValues = new Map<string, Buffer>();

/** Event types are a closed set, but bounded anyway (a header value never changes once made). */
function headerValue(value: string): Buffer {
  let bytes = headerValues.get(value);
  if (!bytes) {
    bytes = Buffer.from(value);
    if (headerValues.size < 1000) headerValues.set(value, bytes);
  }
  return bytes;
}

/** Splits messages, in order, into requests of at most maxBytes of keys and values (at least one message each). */
function requests(messages: Message[], maxBytes: number): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value as Buffer).length + (message.key as Buffer).length + 64;
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
