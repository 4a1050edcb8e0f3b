/**
 * Pipeline benchmark: sustained writes through the batch API while the relay, the projector
 * (Elasticsearch + ClickHouse) and the query API run as their own processes, measuring
 * - the write rate achieved against the target (BENCH_RATE events/s for BENCH_SECONDS),
 * - lag from acknowledgement to visibility in Elasticsearch (search) and ClickHouse (p50/p99/max),
 * - search p50/p99 and id lookup p50/p99 (cache hits) under that load.
 * Everything runs on private databases, topics, indices and cache keys, removed afterwards.
 * See README.md beside this file.
 */
import { availableParallelism } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { makeRecord, percentile } from '../ingest/workload';
import { deleteIndices } from '../../test/pipeline/pipeline-fixture';
import { CpuUsage } from './cpu-usage';
import { AppProcess } from './processes';
import { ms, QueryLoad } from './query-load';
import { clickhouseVisible, elasticsearchVisible, POLL_MS, VisibilityWatcher } from './visibility';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = num('BENCH_RATE', 10_000);
const SECONDS = num('BENCH_SECONDS', 60);
const PER_REQUEST = num('BENCH_BATCH', 1_000);
const SAMPLE = num('BENCH_SAMPLE_PER_REQUEST', 10);
const SEARCH_RATE = num('BENCH_SEARCH_RATE', 50);
const LOOKUP_RATE = num('BENCH_LOOKUP_RATE', 200);
/** Elasticsearch refresh interval of the benchmark's indices (the projector's default is 1s). */
const REFRESH = process.env.BENCH_ES_REFRESH_INTERVAL ?? '250ms';
const ES = process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200';
const CH = process.env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const run = `p${Date.now().toString(36)}`;
const ports = { api: 3990, query: 3991, relay: 9490, projector: 9491 };

const env: Record<string, string> = {
  SHARDLINE_SHARD_DB_PREFIX: 'bench_pipe_data_db_',
  // One load generator offers up to 10,000/s: far above the anonymous limit, which this bench does not measure.
  SHARDLINE_RATE_LIMIT_ENABLED: 'false',
  SHARDLINE_CONTROL_DB: 'bench_pipe_control',
  SHARDLINE_EVENTS_TOPIC: `bench.${run}.events`,
  SHARDLINE_EVENTS_DLQ_TOPIC: `bench.${run}.events.dlq`,
  SHARDLINE_PROJECTOR_GROUP_PREFIX: `bench-${run}-`,
  SHARDLINE_ES_INDEX: `bench-${run}`,
  SHARDLINE_CLICKHOUSE_DATABASE: `bench_${run}`,
  SHARDLINE_CACHE_KEY_PREFIX: `bench:${run}:record:`,
  SHARDLINE_LOG_LEVEL: 'warn',
  SHARDLINE_ACCESS_LOG: 'off',
  SHARDLINE_ES_REFRESH_INTERVAL: REFRESH,
};

async function main(): Promise<void> {
  const sharding = shardingConfigFromEnv({ ...process.env, ...env });
  await migrateAll(sharding);
  await truncate(sharding);
  const apps = [
    new AppProcess('relay', `http://127.0.0.1:${ports.relay}/health/live`, { ...env, SHARDLINE_RELAY_OPS_PORT: String(ports.relay), SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' }),
    new AppProcess('projector', `http://127.0.0.1:${ports.projector}/health/ready`, {
      ...env,
      SHARDLINE_PROJECTOR_OPS_PORT: String(ports.projector),
      SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1',
    }),
    new AppProcess('api', `http://127.0.0.1:${ports.api}/health/ready`, { ...env, SHARDLINE_HTTP_PORT: String(ports.api), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '903' }),
    new AppProcess('query-api', `http://127.0.0.1:${ports.query}/health/ready`, { ...env, SHARDLINE_QUERY_HTTP_PORT: String(ports.query), SHARDLINE_QUERY_HTTP_HOST: '127.0.0.1' }),
  ];
  console.log(`# pipeline benchmark: ${RATE} events/s for ${SECONDS}s in batches of ${PER_REQUEST}, ${SAMPLE} sampled ids per batch, ES refresh ${REFRESH}, node ${process.version}`);
  try {
    for (const app of apps) await app.start();
    await measure(new CpuUsage(() => Object.fromEntries(apps.map((a) => [a.name, a.pid]))));
  } finally {
    for (const app of [...apps].reverse()) await app.stop().catch(() => undefined);
    await cleanup();
  }
}

async function measure(cpu: CpuUsage): Promise<void> {
  const es = new VisibilityWatcher('elasticsearch', (records) => elasticsearchVisible(ES, env.SHARDLINE_ES_INDEX, records));
  const ch = new VisibilityWatcher('clickhouse', (records) => clickhouseVisible(CH, env.SHARDLINE_CLICKHOUSE_DATABASE, records));
  const kafkaSeen = await watchKafka();
  es.start();
  ch.start();
  const hot: { business_id: string; id: string }[] = [];
  const queries = new QueryLoad(`http://127.0.0.1:${ports.query}`, hot, { search: SEARCH_RATE, lookup: LOOKUP_RATE });

  // Open loop: a batch every interval, whatever the previous ones are doing (up to 32 in flight).
  const interval = (1000 * PER_REQUEST) / RATE;
  const started = performance.now();
  cpu.begin();
  let acknowledged = 0;
  let failed = 0;
  const failures = new Map<string, number>();
  let inFlight = 0;
  let skipped = 0;
  const ackLatency: number[] = [];
  const requests: Promise<void>[] = [];
  for (let n = 0; performance.now() - started < SECONDS * 1000; n++) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (n === 20) queries.start();
    if (inFlight >= 32) {
      skipped++;
      continue;
    }
    inFlight++;
    requests.push(
      postBatch(n)
        .then(({ ids, ackedAt, latency }) => {
          acknowledged += ids.length;
          ackLatency.push(latency);
          const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / SAMPLE)) === 0).slice(0, SAMPLE);
          kafkaSeen.watcher.add(sample.map((s) => ({ ...s, ackedAt })));
          es.add(sample.map((s) => ({ ...s, ackedAt })));
          ch.add(sample.map((s) => ({ ...s, ackedAt })));
          if (hot.length < 2000) hot.push(...sample);
        })
        .catch((e: unknown) => {
          failed++;
          const reason = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
        })
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(requests);
  const writeSeconds = (performance.now() - started) / 1000;
  const cpuShares = cpu.end();
  await queries.stop();
  const drainStarted = performance.now();
  while ((es.outstanding > 0 || ch.outstanding > 0 || kafkaSeen.watcher.outstanding > 0) && performance.now() - drainStarted < 120_000) await new Promise((r) => setTimeout(r, 200));
  es.stop();
  ch.stop();
  await kafkaSeen.stop();

  ackLatency.sort((a, b) => a - b);
  const rate = acknowledged / writeSeconds;
  console.log(`writes: ${fmt(rate)} events/s acknowledged (target ${RATE}) over ${writeSeconds.toFixed(1)}s; batch request p50 ${ms(percentile(ackLatency, 50))}, p99 ${ms(percentile(ackLatency, 99))}; failed requests ${failed}, skipped (32 in flight) ${skipped}`);
  for (const [reason, count] of failures) console.log(`  failed: ${count} x ${reason}`);
  for (const w of [kafkaSeen.watcher, es, ch]) {
    const lags = w.lags.sort((a, b) => a - b);
    console.log(
      `lag ack -> visible in ${w.name.padEnd(13)}: p50 ${ms(percentile(lags, 50))}, p99 ${ms(percentile(lags, 99))}, max ${ms(lags[lags.length - 1])}  [${lags.length} sampled records, ${w.outstanding} never seen, poll every ${POLL_MS} ms${w.errors ? `, ${w.errors} failed polls` : ''}]`,
    );
  }
  const total = cpuShares.reduce((sum, c) => sum + c.percent, 0);
  console.log(
    `cpu during the writes (% of one core; this machine has ${availableParallelism()} cores): ${cpuShares.map((c) => `${c.name} ${c.percent.toFixed(0)}`).join(', ')}; total ${total.toFixed(0)}`,
  );
  console.log(`search    (POST /data/search, ${SEARCH_RATE}/s) under load: ${queries.summary('search')}`);
  console.log(`id lookup (GET /data/:b/:id, ${LOOKUP_RATE}/s, 200 hot ids) under load: ${queries.summary('lookup')}`);
  const esLag = percentile(es.lags, 99);
  const chLag = percentile(ch.lags, 99);
  console.log(
    `targets: ${RATE}/s sustained ${rate >= RATE * 0.98 ? 'met' : 'missed'}; lag p99 < 1 s ES ${esLag < 1000 ? 'met' : 'missed'}, ClickHouse ${chLag < 1000 ? 'met' : 'missed'}; search p99 < 100 ms ${queries.meets('search', 100) ? 'met' : 'missed'}; id lookup p99 < 10 ms ${queries.meets('lookup', 10) ? 'met' : 'missed'}`,
  );
}

/**
 * Stage timing: when each sampled record's event reaches the topic (the relay's share of the lag).
 * A plain consumer of the benchmark's private topic; it only notes arrival times.
 */
async function watchKafka() {
  const arrivals = new Map<string, number>();
  // Reports arrival times, not poll times, so this stage's figures are not 50 ms coarse.
  const watcher = new VisibilityWatcher('kafka (relay)', async (records) => new Map(records.filter((r) => arrivals.has(r.id)).map((r) => [r.id, arrivals.get(r.id)!])));
  const kafka = new Kafka({ clientId: 'bench-pipeline-watch', brokers: (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${run}-watch`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: env.SHARDLINE_EVENTS_TOPIC, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        // The envelope's record_id, without a full JSON parse of every message.
        const match = /"record_id":"(\d+)"/.exec(message.value?.toString() ?? '');
        if (match && !arrivals.has(match[1])) arrivals.set(match[1], now);
      }
    },
  });
  watcher.start();
  return {
    watcher,
    stop: async () => {
      watcher.stop();
      await consumer.disconnect();
    },
  };
}

async function postBatch(n: number): Promise<{ ids: { business_id: string; id: string }[]; ackedAt: number; latency: number }> {
  const body = JSON.stringify({ data: Array.from({ length: PER_REQUEST }, (_, k) => makeRecord(n * PER_REQUEST + k, 200)) });
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${ports.api}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { results: { status: number; id: string; business_id: string }[] };
  const ackedAt = performance.now();
  if (res.status !== 201) throw new Error(`batch ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return { ids: json.results.map((r) => ({ id: r.id, business_id: r.business_id })), ackedAt, latency: ackedAt - t0 };
}

async function truncate(sharding: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  const dbs = new ShardDatabases(sharding);
  try {
    for (const shard of dbs.shardIndexes()) for (const t of ['events', 'outbox', 'records', 'processed_commands']) await dbs.shard(shard).raw(`TRUNCATE TABLE ${t}`);
  } finally {
    await dbs.destroy();
  }
}

async function cleanup(): Promise<void> {
  await deleteIndices(ES, env.SHARDLINE_ES_INDEX);
  await fetch(`${CH}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${env.SHARDLINE_CLICKHOUSE_DATABASE}`)}`, { method: 'POST' }).catch(() => undefined);
  const admin = new Kafka({ clientId: 'bench-pipeline', brokers: (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [env.SHARDLINE_EVENTS_TOPIC, env.SHARDLINE_EVENTS_DLQ_TOPIC] }).catch(() => undefined);
  await admin.disconnect();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
