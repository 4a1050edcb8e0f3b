/**
 * Relay benchmark: how fast the relay drains a backlog of outbox rows to Kafka, and what sealing
 * (crypto-shredding, README "Erasure") costs it.
 * Fills the outbox of 4 private shard databases (bench_relay_*) with BENCH_EVENTS RecordCreated
 * events (~BENCH_PAYLOAD_BYTES of data_content each, 50,000 distinct users) using the ingest
 * benchmark's raw multi-row INSERTs, then drains the SAME backlog once per phase (the outbox rows
 * are re-inserted from the event tables between phases), with the relay in-process on a fresh
 * topic, timed until every outbox is empty: read + envelope (+ keys + seal) + idempotent produce
 * (acks=all) + delete, end to end. CPU is this process's (user + system), i.e. the relay's.
 *
 * Phases (BENCH_RELAY_PHASES, default all, in this order):
 *   plain       SHARDLINE_RELAY_SEAL=false
 *   seal-new    sealing, no user has a key yet: keys created (INSERT IGNORE + read-back per batch)
 *   seal-known  sealing, every key exists in the control database, a fresh process (cache cold)
 *   plain-again the first phase again: how much of the difference is warm-up or machine drift
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
const PHASES = (process.env.BENCH_RELAY_PHASES ?? 'plain,seal-new,seal-known,plain-again').split(',');
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: 'bench_relay_data_db_', SHARDLINE_CONTROL_DB: 'bench_relay_control' };

interface PhaseResult {
  phase: string;
  eventsPerSecond: number;
  seconds: number;
  cpuMicrosPerEvent: number;
}

async function main(): Promise<void> {
  const sharding = shardingConfigFromEnv({ ...process.env, ...benchEnv, SHARDLINE_SHARDS: undefined });
  const topic = `bench-relay-${randomUUID().slice(0, 8)}`;
  await migrateAll(sharding);
  const databases = new ShardDatabases(sharding);
  try {
    for (const shard of databases.shardIndexes()) for (const t of ['events', 'outbox', 'records']) await databases.shard(shard).raw(`TRUNCATE TABLE ${t}`);
    await databases.control.raw('TRUNCATE TABLE user_keys');
    await rawInsert(sharding, EVENTS, 10_000, 2, PAYLOAD);
    const env = {
      ...process.env,
      SHARDLINE_EVENTS_TOPIC: topic,
      SHARDLINE_RELAY_OPS_PORT: '0',
      SHARDLINE_RELAY_OPS_HOST: '127.0.0.1',
      SHARDLINE_RELAY_BATCH_SIZE: process.env.BENCH_RELAY_BATCH ?? '1000',
      SHARDLINE_RELAY_COMPRESSION: process.env.BENCH_RELAY_COMPRESSION ?? 'none',
      SHARDLINE_LOG_LEVEL: 'error',
    };
    const base = relayConfigFromEnv(env);
    console.log(
      `# relay benchmark: ${EVENTS} events (~${PAYLOAD} B data_content) in ${sharding.shards.length} shard outboxes, batch ${base.relay.batchSize}, compression ${base.compression}, node ${process.version}; phases ${PHASES.join(', ')}`,
    );

    const results: PhaseResult[] = [];
    for (const [i, phase] of PHASES.entries()) {
      if (i > 0) await refillOutboxes(databases);
      if (phase === 'seal-new') await databases.control.raw('TRUNCATE TABLE user_keys');
      const seal = phase.startsWith('seal');
      const config = relayConfigFromEnv({ ...env, SHARDLINE_RELAY_SEAL: String(seal) });
      const relay = await startRelayApp({ ...config, sharding });
      await relay.started;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      while (relay.relay.status().reduce((n, s) => n + s.published, 0) < EVENTS) await new Promise((r) => setTimeout(r, 20));
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      await relay.stop();
      const result = { phase, seconds, eventsPerSecond: EVENTS / seconds, cpuMicrosPerEvent: (cpu.user + cpu.system) / EVENTS };
      results.push(result);
      console.log(
        `relay drain, ${phase.padEnd(11)}: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s, ${result.cpuMicrosPerEvent.toFixed(1)} µs CPU per event  [${EVENTS} events in ${seconds.toFixed(2)} s; published, acked, deleted]`,
      );
    }
    const plain = results.find((r) => r.phase === 'plain');
    for (const r of results.filter((x) => x.phase.startsWith('seal'))) {
      if (plain) console.log(`sealing cost (${r.phase} vs plain): +${(r.cpuMicrosPerEvent - plain.cpuMicrosPerEvent).toFixed(1)} µs CPU per event (${(r.cpuMicrosPerEvent / plain.cpuMicrosPerEvent).toFixed(2)}x), rate ${(r.eventsPerSecond / plain.eventsPerSecond).toFixed(2)} of plain`);
    }
  } finally {
    await databases.destroy();
    const admin = new Kafka({ clientId: 'bench-relay', brokers: (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The same backlog again: one outbox row per stored event, in position order (the relay deletes rows, never events). */
async function refillOutboxes(databases: ShardDatabases): Promise<void> {
  for (const shard of databases.shardIndexes()) {
    await databases.shard(shard).raw(
      `INSERT INTO outbox (stream_id, stream_version, month_key, partition_key, created_time)
       SELECT stream_id, stream_version, month_key, JSON_UNQUOTE(JSON_EXTRACT(data, '$.business_id')), created_time FROM events ORDER BY position`,
    );
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
