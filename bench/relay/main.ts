/**
 * Relay benchmark: how fast the relay drains a backlog of outbox rows to Kafka.
 * Fills the outbox of 4 private shard databases (bench_relay_*) with BENCH_EVENTS RecordCreated
 * events (~BENCH_PAYLOAD_BYTES of data_content each) using the ingest benchmark's raw multi-row
 * INSERTs, then starts the relay in-process on a fresh topic and times it until every outbox is
 * empty: read + envelope + idempotent produce (acks=all) + delete, end to end.
 *
 *   npm run bench:relay            (BENCH_EVENTS=100000 BENCH_RELAY_BATCH=1000 BENCH_RELAY_COMPRESSION=none)
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { relayConfigFromEnv } from '../../apps/relay/src/config';
import { startRelayApp } from '../../apps/relay/src/create-relay-app';
import { rawInsert } from '../ingest/raw-insert';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PAYLOAD = Number(process.env.BENCH_PAYLOAD_BYTES ?? 200);
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: 'bench_relay_data_db_', SHARDLINE_CONTROL_DB: 'bench_relay_control' };

async function main(): Promise<void> {
  const sharding = shardingConfigFromEnv({ ...process.env, ...benchEnv, SHARDLINE_SHARDS: undefined });
  const topic = `bench-relay-${randomUUID().slice(0, 8)}`;
  await migrateAll(sharding);
  const databases = new ShardDatabases(sharding);
  try {
    for (const shard of databases.shardIndexes()) for (const t of ['events', 'outbox', 'records']) await databases.shard(shard).raw(`TRUNCATE TABLE ${t}`);
    await rawInsert(sharding, EVENTS, 10_000, 2, PAYLOAD);
    const config = relayConfigFromEnv({
      ...process.env,
      SHARDLINE_EVENTS_TOPIC: topic,
      SHARDLINE_RELAY_OPS_PORT: '0',
      SHARDLINE_RELAY_OPS_HOST: '127.0.0.1',
      SHARDLINE_RELAY_BATCH_SIZE: process.env.BENCH_RELAY_BATCH ?? '1000',
      SHARDLINE_RELAY_COMPRESSION: process.env.BENCH_RELAY_COMPRESSION ?? 'none',
      SHARDLINE_LOG_LEVEL: 'error',
    });
    console.log(`# relay benchmark: ${EVENTS} events (~${PAYLOAD} B data_content) in ${sharding.shards.length} shard outboxes, batch ${config.relay.batchSize}, compression ${config.compression}, node ${process.version}`);
    const relay = await startRelayApp({ ...config, sharding });
    await relay.started;
    const started = performance.now();
    for (;;) {
      const published = relay.relay.status().reduce((n, s) => n + s.published, 0);
      if (published >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    console.log(`relay drain: ${Math.round(EVENTS / seconds).toLocaleString('en-US')} events/s  [${EVENTS} events in ${seconds.toFixed(2)} s; published, acked, deleted]`);
  } finally {
    await databases.destroy();
    const admin = new Kafka({ clientId: 'bench-relay', brokers: (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
