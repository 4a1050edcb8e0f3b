import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { decodeEnvelope, openEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { ShardingConfig } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY, KeyWrapping, type UserKeys } from '@shardline/user-keys';
import { MysqlUserKeys } from '@shardline/user-keys/mysql';
import { relayConfigFromEnv, type RelayConfig } from '../../apps/relay/src/config';
import { waitFor } from '../support/wait-for';

export const BROKERS = (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function testTopic(tag: string): string {
  return `test-relay-${tag}-${randomUUID().slice(0, 8)}`;
}

/** Relay settings for a test: private shards and topic, ops port 0, quick failover and backoff. */
export function testRelayConfig(sharding: ShardingConfig, topic: string, env: Record<string, string> = {}): RelayConfig {
  const config = relayConfigFromEnv({
    SHARDLINE_EVENTS_TOPIC: topic,
    SHARDLINE_RELAY_OPS_HOST: '127.0.0.1',
    SHARDLINE_RELAY_OPS_PORT: '0',
    SHARDLINE_RELAY_LEASE_RETRY_MS: '200',
    SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS: '1000',
    SHARDLINE_LOG_LEVEL: 'silent',
    ...env,
  });
  return { ...config, sharding };
}

/** Env for a relay child process on the same private shards (each shard as an explicit URL). */
export function childRelayEnv(sharding: ShardingConfig, topic: string, extra: Record<string, string> = {}): Record<string, string> {
  const url = (c: ShardingConfig['control']) => `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
  return {
    SHARDLINE_SHARDS: sharding.shards.map(url).join(','),
    SHARDLINE_CONTROL_URL: url(sharding.control),
    SHARDLINE_KAFKA_BROKERS: BROKERS.join(','),
    SHARDLINE_EVENTS_TOPIC: topic,
    SHARDLINE_RELAY_OPS_HOST: '127.0.0.1',
    SHARDLINE_RELAY_LEASE_RETRY_MS: '200',
    SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS: '1000',
    SHARDLINE_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** A Kafka client whose every broker connection goes through 127.0.0.1:proxyPort (the broker advertises its real port). */
export function kafkaThroughProxy(proxyPort: number): Kafka {
  return new Kafka({
    clientId: 'relay-test-proxied',
    brokers: [`127.0.0.1:${proxyPort}`],
    connectionTimeout: 1000,
    requestTimeout: 5000,
    logLevel: logLevel.NOTHING,
    socketFactory: ({ onConnect }) => {
      const socket = connect({ host: '127.0.0.1', port: proxyPort }, onConnect);
      socket.setKeepAlive(true, 60_000);
      return socket;
    },
  });
}

export interface Received {
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  /** The message value's bytes as the broker holds them. */
  value: Buffer;
  envelope: RecordEventEnvelope;
}

/** Consumes a whole topic from the beginning into memory (a fresh consumer group), for assertions. */
export class TopicCollector {
  readonly messages: Received[] = [];
  private readonly kafka = new Kafka({ clientId: 'relay-test-collector', brokers: BROKERS, logLevel: logLevel.NOTHING });
  private consumer: Consumer | undefined;

  constructor(readonly topic: string) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `collector-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.messages.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          headers: headersOf(message.headers),
          value: message.value ?? Buffer.alloc(0),
          envelope: decodeEnvelope(message.value),
        });
      },
    });
  }

  /** Distinct events received, by (stream_id, stream_version). */
  distinct(): Map<string, Received> {
    const out = new Map<string, Received>();
    for (const m of this.messages) if (!out.has(eventKey(m.envelope))) out.set(eventKey(m.envelope), m);
    return out;
  }

  async waitForDistinct(count: number, timeoutMs = 45_000): Promise<void> {
    await waitFor(() => `${this.distinct().size}/${count} distinct events on ${this.topic}`, () => this.distinct().size >= count, { timeoutMs });
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [this.topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export function eventKey(e: { stream_id: string; stream_version: number }): string {
  return `${e.stream_id}#${e.stream_version}`;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The data keys the relay sealed with (same control database, the development master key tests run with). */
export function relayUserKeys(databases: ShardDatabases): UserKeys {
  return new MysqlUserKeys(databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
}

/** Each received envelope opened with its user's key (the plain envelope the relay read from the outbox). */
export async function openedEnvelopes(keys: UserKeys, messages: Received[]): Promise<RecordEventEnvelope[]> {
  const found = await keys.existingKeys([...new Set(messages.map((m) => m.envelope.user_id))]);
  return messages.map((m) => openEnvelope(m.envelope, found.get(m.envelope.user_id) ?? null));
}

export async function outboxCounts(databases: ShardDatabases): Promise<number[]> {
  return Promise.all(
    databases.shardIndexes().map(async (shard) => {
      const [rows] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM outbox');
      return Number(rows[0].n);
    }),
  );
}

/**
 * Events of a stream whose FIRST delivery came after a later version's (in partition offset
 * order). Redeliveries (at-least-once) are skipped, as a consumer deduping by (stream, version) does.
 */
export function streamOrderViolations(messages: Received[]): string[] {
  const last = new Map<string, number>();
  const seen = new Set<string>();
  const violations: string[] = [];
  const sorted = [...messages].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const m of sorted) {
    if (seen.has(eventKey(m.envelope))) continue;
    seen.add(eventKey(m.envelope));
    const prev = last.get(m.envelope.stream_id) ?? 0;
    if (m.envelope.stream_version <= prev) violations.push(`${eventKey(m.envelope)} after v${prev} (partition ${m.partition} offset ${m.offset})`);
    last.set(m.envelope.stream_id, Math.max(prev, m.envelope.stream_version));
  }
  return violations;
}
