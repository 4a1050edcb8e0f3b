/**
 * Pipeline benchmark: the batch API, relay, projector (Elasticsearch + ClickHouse) and query API
 * as their own processes, on private databases, topics, indices and cache keys (removed
 * afterwards). Phases of one run (BENCH_PHASES):
 * - cost: writes at a fixed rate with nothing else running (no polling, no queries); CPU per event
 *   of every process from the first write until both read models hold every record;
 * - lag: writes at each of BENCH_LAG_RATES while sampled ids are polled for visibility in Kafka,
 *   Elasticsearch and ClickHouse (and optional queries): lag p50/p99, and what the polling costs;
 * - raw: the cheapest equivalent of each stage with the same client libraries on the same data
 *   (raw-baselines.ts), and the stage/raw ratios.
 * See README.md beside this file.
 */
import { availableParallelism } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics, fixKafkajsIdleTimer } from '@shardline/kafka';
import { createElasticsearchClient } from '@shardline/projection-elasticsearch';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { rawInsert } from '../ingest/raw-insert';
import { percentile, USERS } from '../ingest/workload';
import { deleteIndices } from '../../test/pipeline/pipeline-fixture';
import { between, CpuMeter, enginePids, portOf, type CpuWindow } from './cpu-meter';
import { costTable, microsPerEvent, pipelineMicros, ratioLine, rawLine, stageRatios } from './cost-report';
import { applyShape, applyShapeLines } from './apply-shape';
import { rawProduceInFreshProcess } from './fresh-producer';
import { AppProcess } from './processes';
import { SUMMARY_PREFIX, type RunSummary } from './run-summary';
import { ms, QueryLoad } from './query-load';
import { putPipelineVariantTemplate, RAW_ES_MAPPINGS, rawBulk, rawConsume, rawInsertRows, rawProduce, readDocuments, readRows, type RawEsMapping, type RawPhase } from './raw-baselines';
import { clickhouseVisible, elasticsearchVisible, POLL_MS, readModelCounts, VisibilityWatcher } from './visibility';
import { writeLoad, type WriteResult } from './write-load';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
function oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const value = process.env[name] ?? fallback;
  if (!choices.includes(value as T)) throw new Error(`${name}=${value}: one of ${choices.join(', ')}`);
  return value as T;
}
const RATE = num('BENCH_RATE', 2_000);
const SECONDS = num('BENCH_SECONDS', 30);
/**
 * Long enough by default for the warm-up to write a record of every one of the workload's users
 * (at least 5 s): a user's first record makes the api create their data key and the projector
 * fetch and unwrap it, a once-per-user cost. With a 5 s warm-up at 2,000/s two thirds of the cost
 * phase's records were their user's first, and the api (~2x) and projector (~1.9x) were charged
 * for key creation, not for events (bench/pipeline/README.md, 2026-12-03 evening).
 */
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', Math.max(5, Math.ceil(USERS / RATE) + 1));
const IDLE_SECONDS = num('BENCH_IDLE_SECONDS', 5);
const PER_REQUEST = num('BENCH_BATCH', 1_000);
const PHASES = new Set(list('BENCH_PHASES', 'cost,lag,raw'));
const LAG_RATES = list('BENCH_LAG_RATES', String(RATE)).map(Number);
const LAG_SECONDS = num('BENCH_LAG_SECONDS', 30);
const SAMPLE = num('BENCH_SAMPLE_PER_REQUEST', 10);
const SEARCH_RATE = num('BENCH_SEARCH_RATE', 0);
const LOOKUP_RATE = num('BENCH_LOOKUP_RATE', 0);
const RAW_SECONDS = num('BENCH_RAW_SECONDS', 15);
const RAW_BATCH = num('BENCH_RAW_BATCH', 1_000);
const RAW_CH_FORMATS = list('BENCH_RAW_CH_FORMATS', 'TabSeparated');
/** Where the raw kafkajs producer runs: `fresh` (a process of its own, fresh-producer.ts), `same` (this process, as before), `both` (the ratio uses the fresh one). */
const RAW_PRODUCER = oneOf('BENCH_RAW_PRODUCER', ['fresh', 'same', 'both'] as const, 'fresh');
/** Elasticsearch refresh interval of the benchmark's indices (the projector's default is 1s). */
const REFRESH = process.env.BENCH_ES_REFRESH_INTERVAL ?? '250ms';
/**
 * Raw `_bulk` variants, refresh[:mapping[:batch[:response]]]: mapping `project` or one of
 * RAW_ES_VARIANTS' (see raw-baselines.ts), documents per bulk (default BENCH_RAW_BATCH), response
 * `filtered` (the sink's filter_path, default) or `full`.
 */
const RAW_ES = list('BENCH_RAW_ES', `${REFRESH}:project`).map((v) => {
  const [refresh, mapping = 'project', batch = String(RAW_BATCH), response = 'filtered'] = v.split(':');
  if (!RAW_ES_MAPPINGS.includes(mapping as RawEsMapping)) throw new Error(`BENCH_RAW_ES: unknown mapping ${mapping}`);
  if (response !== 'filtered' && response !== 'full') throw new Error(`BENCH_RAW_ES: unknown response ${response}`);
  return { refresh, mapping: mapping as RawEsMapping, batch: Number(batch), filtered: response === 'filtered' };
});
/** A RAW_ES_VARIANTS mapping for the pipeline's own indices instead of the sink's template (A/B of a mapping on one build). */
const ES_MAPPING = process.env.BENCH_ES_MAPPING as RawEsMapping | undefined;
if (ES_MAPPING && !RAW_ES_MAPPINGS.includes(ES_MAPPING)) throw new Error(`BENCH_ES_MAPPING: unknown mapping ${ES_MAPPING}`);
/** Raw ClickHouse variants, format[:batch] (rows per INSERT per table, default BENCH_RAW_BATCH). */
const RAW_CH = RAW_CH_FORMATS.map((v) => {
  const [format, batch = String(RAW_BATCH)] = v.split(':');
  if (format !== 'JSONEachRow' && format !== 'TabSeparated') throw new Error(`BENCH_RAW_CH_FORMATS: unknown format ${format}`);
  return { format: format as 'JSONEachRow' | 'TabSeparated', batch: Number(batch) };
});
const ES = process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200';
const CH = process.env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const BROKERS = (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `p${Date.now().toString(36)}`;
const ports = { api: 3990, query: 3991, relay: 9490, projector: 9491 };
const apiUrl = `http://127.0.0.1:${ports.api}`;
const projectorMetrics = `http://127.0.0.1:${ports.projector}/metrics`;

const env: Record<string, string> = {
  SHARDLINE_SHARD_DB_PREFIX: 'bench_pipe_data_db_',
  // One load generator offers thousands of events/s: far above the anonymous limit, which this bench does not measure.
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
// The raw index bases must not match the read model's template pattern (`bench-<run>-*`): ES refuses two templates of one priority on one index.
const raw = { topic: `bench.${run}.raw`, esBase: `bench-raw-${run}-`, chDatabase: `bench_${run}_raw` };
const sharding = shardingConfigFromEnv({ ...process.env, ...env });
// The raw kafkajs consumer and producer run with the fix the apps' createKafka applies (no 1 ms timer per idle connection).
fixKafkajsIdleTimer();
const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: BROKERS, logLevel: logLevel.NOTHING });

async function main(): Promise<void> {
  await migrateAll(sharding);
  await truncate();
  if (ES_MAPPING) {
    const es = createElasticsearchClient({ url: ES, requestTimeoutMs: 60_000, maxRetries: 0 });
    await putPipelineVariantTemplate(es, env.SHARDLINE_ES_INDEX, ES_MAPPING, REFRESH).finally(() => es.close());
  }
  const apps = [
    new AppProcess('relay', `http://127.0.0.1:${ports.relay}/health/live`, { ...env, SHARDLINE_RELAY_OPS_PORT: String(ports.relay), SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' }),
    new AppProcess('projector', `http://127.0.0.1:${ports.projector}/health/ready`, {
      ...env,
      SHARDLINE_PROJECTOR_OPS_PORT: String(ports.projector),
      SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1',
    }),
    new AppProcess('api', `${apiUrl}/health/ready`, { ...env, SHARDLINE_HTTP_PORT: String(ports.api), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '903' }),
    new AppProcess('query-api', `http://127.0.0.1:${ports.query}/health/ready`, { ...env, SHARDLINE_QUERY_HTTP_PORT: String(ports.query), SHARDLINE_QUERY_HTTP_HOST: '127.0.0.1' }),
  ];
  const engines = enginePids(
    {
      mariadb: [...new Set([sharding.control.port, ...sharding.shards.map((s) => s.port)])],
      kafka: BROKERS.map((b) => portOf(b, 9092)),
      elasticsearch: [portOf(ES, 9200)],
      clickhouse: [portOf(CH, 8123)],
      redis: [portOf(process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379', 6379)],
    },
    (message) => console.log(`# warning: ${message}`),
  );
  const meter = new CpuMeter(() => ({ ...Object.fromEntries(apps.map((a) => [a.name, a.pid ? [a.pid] : []])), 'load generator': [process.pid], ...engines }));
  console.log(
    `# pipeline benchmark (${[...PHASES].join(', ')}): ${RATE} events/s for ${SECONDS}s in batches of ${PER_REQUEST} after ${WARMUP_SECONDS}s of warm-up (${Math.min(USERS, WARMUP_SECONDS * RATE).toLocaleString('en-US')} of the ${USERS.toLocaleString('en-US')} users written once), ES refresh ${REFRESH}${ES_MAPPING ? `, ES mapping ${ES_MAPPING} (BENCH_ES_MAPPING)` : ''}, ${availableParallelism()} cores, node ${process.version}; engines by pid: ${Object.entries(engines)
      .map(([e, p]) => `${e} ${p.join('+')}`)
      .join(', ')}`,
  );
  const knobs = Object.entries(process.env).filter(([k]) => /^SHARDLINE_(RELAY|PROJECTOR|ES|CLICKHOUSE)_/.test(k) && !/PASSWORD/.test(k));
  if (knobs.length) console.log(`# settings from the environment: ${knobs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  let written = 0;
  let cost: { window: CpuWindow; events: number } | undefined;
  try {
    for (const app of apps) await app.start();
    // Warm-up (JIT, connections, this month's index): not measured.
    written += (await writeLoad({ apiUrl, rate: RATE, seconds: WARMUP_SECONDS, perRequest: PER_REQUEST, firstRecord: 0 })).acknowledged;
    await caughtUp(written, 120_000);
    const idle = await idleWindow(meter);
    if (PHASES.has('cost')) {
      cost = await costPhase(meter, written, idle);
      written += cost.events;
    }
    if (PHASES.has('lag')) for (const rate of LAG_RATES) written += await lagPhase(meter, rate, written, rate === RATE ? cost : undefined);
  } finally {
    for (const app of [...apps].reverse()) await app.stop().catch(() => undefined);
  }
  try {
    if (PHASES.has('raw')) await rawPhases(meter, engines, cost, Math.min(written, Math.round(RATE * RAW_SECONDS)));
  } finally {
    await cleanup();
  }
}

async function idleWindow(meter: CpuMeter): Promise<CpuWindow> {
  const from = meter.sample();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  return between(from, meter.sample());
}

/** Writes at RATE with no polling and no queries; the window ends when both read models hold every record. */
async function costPhase(meter: CpuMeter, before: number, idle: CpuWindow): Promise<{ window: CpuWindow; events: number }> {
  const from = meter.sample();
  const shapeBefore = await applyShape(projectorMetrics);
  const writes = await writeLoad({ apiUrl, rate: RATE, seconds: SECONDS, perRequest: PER_REQUEST, firstRecord: 1e9 });
  const writesEnded = performance.now();
  await caughtUp(before + writes.acknowledged, 180_000);
  const window = between(from, meter.sample());
  const shape = applyShapeLines(shapeBefore, await applyShape(projectorMetrics), window.seconds);
  console.log(`\n## cost: ${RATE} events/s offered for ${SECONDS}s, no polling, no queries; CPU from the first write until both read models held every record`);
  printWrites(writes, RATE);
  console.log(`  read models caught up ${((performance.now() - writesEnded) / 1000).toFixed(1)} s after the last acknowledgement (window ${window.seconds.toFixed(1)} s)`);
  for (const line of costTable(window, writes.acknowledged, idle)) console.log(line);
  for (const line of shape) console.log(line);
  return { window, events: writes.acknowledged };
}

/** Writes at `rate` while sampled ids are polled until visible in each stage; returns the records written. */
async function lagPhase(meter: CpuMeter, rate: number, before: number, cost: { window: CpuWindow; events: number } | undefined): Promise<number> {
  const es = new VisibilityWatcher('elasticsearch', (records) => elasticsearchVisible(ES, env.SHARDLINE_ES_INDEX, records));
  const ch = new VisibilityWatcher('clickhouse', (records) => clickhouseVisible(CH, env.SHARDLINE_CLICKHOUSE_DATABASE, records));
  const kafkaSeen = await watchKafka(`bench-${run}-watch-${rate}`);
  es.start();
  ch.start();
  const hot: { business_id: string; id: string }[] = [];
  const queries = new QueryLoad(`http://127.0.0.1:${ports.query}`, hot, { search: SEARCH_RATE, lookup: LOOKUP_RATE });
  const from = meter.sample();
  const shapeBefore = await applyShape(projectorMetrics);
  const writes = await writeLoad({
    apiUrl,
    rate,
    seconds: LAG_SECONDS,
    perRequest: PER_REQUEST,
    firstRecord: 2e9 + rate * 1e5,
    onTick: (n) => void (n === 20 && queries.start()),
    onAck: ({ ids, ackedAt }) => {
      const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / SAMPLE)) === 0).slice(0, SAMPLE).map((s) => ({ ...s, ackedAt }));
      kafkaSeen.watcher.add(sample);
      es.add(sample);
      ch.add(sample);
      if (hot.length < 2000) hot.push(...sample);
    },
  });
  await queries.stop();
  const drainStarted = performance.now();
  while ((es.outstanding > 0 || ch.outstanding > 0 || kafkaSeen.watcher.outstanding > 0) && performance.now() - drainStarted < 120_000) await new Promise((r) => setTimeout(r, 200));
  es.stop();
  ch.stop();
  await kafkaSeen.stop();
  await caughtUp(before + writes.acknowledged, 180_000);
  // Like the cost phase's: first write until caught up, so the two compare.
  const window = between(from, meter.sample());
  const shape = applyShapeLines(shapeBefore, await applyShape(projectorMetrics), window.seconds);

  console.log(`\n## lag: ${rate} events/s offered for ${LAG_SECONDS}s, ${SAMPLE} ids per batch polled every ${POLL_MS} ms in Kafka, Elasticsearch and ClickHouse`);
  printWrites(writes, rate);
  for (const w of [kafkaSeen.watcher, es, ch]) {
    const lags = w.lags.sort((a, b) => a - b);
    console.log(`  lag ack -> visible in ${w.name.padEnd(13)}: p50 ${ms(percentile(lags, 50))}, p99 ${ms(percentile(lags, 99))}, max ${ms(lags[lags.length - 1])}  [${lags.length} sampled, ${w.outstanding} never seen${w.errors ? `, ${w.errors} failed polls` : ''}]`);
  }
  for (const line of shape) console.log(line);
  if (SEARCH_RATE > 0) console.log(`  search    (POST /data/search, ${SEARCH_RATE}/s) under load: ${queries.summary('search')}`);
  if (LOOKUP_RATE > 0) console.log(`  id lookup (GET /data/:b/:id, ${LOOKUP_RATE}/s, 200 hot ids) under load: ${queries.summary('lookup')}`);
  const n = writes.acknowledged;
  const names = ['api', 'relay', 'projector', 'mariadb', 'kafka', 'elasticsearch', 'clickhouse', 'load generator'];
  console.log(`  cpu µs/event during the writes: ${names.map((p) => `${p} ${microsPerEvent(window, p, n).toFixed(0)}`).join(', ')}; pipeline ${pipelineMicros(window, n).toFixed(0)}`);
  if (cost) {
    // Same rate, same processes: what the lag phase costs on top is the polling (and the queries).
    const delta = (p: string) => (microsPerEvent(window, p, n) - microsPerEvent(cost.window, p, cost.events)).toFixed(0);
    console.log(`  measurement load (this phase minus the cost phase, µs/event): elasticsearch ${delta('elasticsearch')}, clickhouse ${delta('clickhouse')}, kafka ${delta('kafka')}, load generator ${delta('load generator')}`);
  }
  const esP99 = percentile(es.lags, 99);
  const chP99 = percentile(ch.lags, 99);
  const sustained = n / writes.seconds >= rate * 0.98 && writes.failed === 0;
  console.log(
    `  at ${rate}/s: sustained ${sustained ? 'yes' : 'NO'}; lag p99 < 1 s to Elasticsearch ${esP99 < 1000 && es.outstanding === 0 ? 'met' : 'missed'}, ClickHouse ${chP99 < 1000 && ch.outstanding === 0 ? 'met' : 'missed'}`,
  );
  return n;
}

function printWrites(writes: WriteResult, rate: number): void {
  console.log(
    `  writes: ${fmt(writes.acknowledged / writes.seconds)} events/s acknowledged (offered ${rate}) over ${writes.seconds.toFixed(1)}s, ${fmt(writes.acknowledged)} events; batch request p50 ${ms(percentile(writes.ackLatency, 50))}, p99 ${ms(percentile(writes.ackLatency, 99))}; failed requests ${writes.failed}, skipped (32 in flight) ${writes.skipped}`,
  );
  for (const [reason, count] of writes.failures) console.log(`    failed: ${count} x ${reason}`);
}

/**
 * The raw baselines on `count` events the pipeline carried (the apps are stopped by now, so the
 * engines serve only the raw client), then the ratios against the cost phase.
 */
async function rawPhases(meter: CpuMeter, engines: Record<string, number[]>, cost: { window: CpuWindow; events: number } | undefined, count: number): Promise<void> {
  const pace = { rate: RATE, batch: RAW_BATCH };
  console.log(`\n## raw baselines: ${fmt(count)} of the events the pipeline carried, paced at ${RATE}/s in batches of ${RAW_BATCH}, same client libraries; CPU µs per event of the client (this process) and of the engine`);
  const phases = new Map<string, RawPhase>();
  const show = (phase: RawPhase) => {
    if (!phases.has(phase.name)) phases.set(phase.name, phase);
    console.log(rawLine(phase));
  };
  // What the relay published, as it published it (sealed envelopes, keys, headers).
  const consumed = await rawConsume(kafka, meter, env.SHARDLINE_EVENTS_TOPIC, count, `bench-${run}-raw`);
  show(consumed.phase);
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [env.SHARDLINE_EVENTS_TOPIC] })).topics[0].partitions.length;
  await admin.disconnect();
  await ensureTopics(kafka, [{ topic: raw.topic, numPartitions: partitions }]);
  console.log(`  (the events topic has ${partitions} partitions; the raw topic as many)`);
  // The producer's baseline in a fresh process (fresh-producer.ts), in this one, or both (the ratio uses the fresh one).
  if (RAW_PRODUCER !== 'fresh') {
    const here = await rawProduce(kafka, meter, raw.topic, consumed.messages, pace);
    show(RAW_PRODUCER === 'both' ? { ...here, name: 'kafka produce, in the bench process' } : here);
  }
  if (RAW_PRODUCER !== 'same') show(await rawProduceInFreshProcess(BROKERS, raw.topic, consumed.messages, pace, { kafka: engines.kafka ?? [] }));

  const es = createElasticsearchClient({ url: ES, requestTimeoutMs: 60_000, maxRetries: 0 });
  try {
    const docs = await readDocuments(es, env.SHARDLINE_ES_INDEX, count);
    for (const [i, variant] of RAW_ES.entries()) show(await rawBulk(es, meter, `${raw.esBase}${i}`, variant, docs, { ...pace, batch: variant.batch }));
  } finally {
    await es.close();
  }
  const rows = {
    events: await readRows(CH, `${env.SHARDLINE_CLICKHOUSE_DATABASE}.record_events`, count),
    latest: await readRows(CH, `${env.SHARDLINE_CLICKHOUSE_DATABASE}.records_latest`, count),
  };
  for (const [i, { format, batch }] of RAW_CH.entries()) show(await rawInsertRows(CH, meter, `${raw.chDatabase}${i}`, rows, { ...pace, batch }, format));

  // The API's raw equivalent (bench/ingest): 1,000-record multi-row INSERT transactions per shard, at full speed.
  await truncate();
  const from = meter.sample();
  const cpu0 = process.cpuUsage();
  const rate = await rawInsert(sharding, count, PER_REQUEST, 2, 200);
  const cpu = process.cpuUsage(cpu0);
  const mysql: RawPhase = { name: 'mysql', events: count, clientMicros: cpu.user + cpu.system, window: between(from, meter.sample()), errors: 0 };
  phases.set('mysql', mysql);
  console.log(`  ${'raw multi-row INSERT (bench/ingest, unpaced)'.padEnd(44)} ${fmt(count).padStart(7)} records at ${fmt(rate)}/s: mariadb ${microsPerEvent(mysql.window, 'mariadb', count).toFixed(1)} µs/record`);
  await truncate();

  if (!cost) return;
  console.log(`\n## stage / raw (cost phase at ${RATE}/s against the raw baselines)`);
  const ratios = stageRatios(cost.window, cost.events, phases);
  for (const ratio of ratios) console.log(ratioLine(ratio));
  const whole = cost.window.machineBusySeconds === undefined ? NaN : (cost.window.machineBusySeconds * 1e6) / cost.events;
  const pipeline = pipelineMicros(cost.window, cost.events);
  console.log(`  targets: relay and projector <= 1.5x raw; pipeline ${pipeline.toFixed(0)} µs/event, whole machine ${whole.toFixed(0)} µs/event (target <= 400)`);
  // For rounds.ts, which runs this benchmark several times and prints the medians.
  console.log(`${SUMMARY_PREFIX}${JSON.stringify({ ratios, pipeline, whole } satisfies RunSummary)}`);
}

/** Waits until both read models hold `expected` records (or the timeout passes; then says so). */
async function caughtUp(expected: number, timeoutMs: number): Promise<void> {
  const started = performance.now();
  let counts = { elasticsearch: 0, clickhouse: 0 };
  while (performance.now() - started < timeoutMs) {
    counts = await readModelCounts(ES, env.SHARDLINE_ES_INDEX, CH, env.SHARDLINE_CLICKHOUSE_DATABASE).catch(() => counts);
    if (counts.elasticsearch >= expected && counts.clickhouse >= expected) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`  # read models did not catch up within ${timeoutMs / 1000} s: ${JSON.stringify(counts)} of ${expected}`);
}

/**
 * Stage timing: when each sampled record's event reaches the topic (the relay's share of the lag).
 * A plain consumer of the benchmark's private topic; it only notes arrival times.
 */
async function watchKafka(groupId: string) {
  const arrivals = new Map<string, number>();
  // Reports arrival times, not poll times, so this stage's figures are not 50 ms coarse.
  const watcher = new VisibilityWatcher('kafka (relay)', async (records) => new Map(records.filter((r) => arrivals.has(r.id)).map((r) => [r.id, arrivals.get(r.id)!])));
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  // From the end: only this phase's events matter (earlier phases' would load the broker now).
  await consumer.subscribe({ topic: env.SHARDLINE_EVENTS_TOPIC, fromBeginning: false });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
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
  await joined;
  // The first fetch after the join resolves "the end"; events written before it would never be seen.
  await new Promise((r) => setTimeout(r, 1000));
  watcher.start();
  return {
    watcher,
    stop: async () => {
      watcher.stop();
      await consumer.disconnect();
    },
  };
}

async function truncate(): Promise<void> {
  const dbs = new ShardDatabases(sharding);
  try {
    for (const shard of dbs.shardIndexes()) for (const t of ['events', 'outbox', 'records', 'processed_commands']) await dbs.shard(shard).raw(`TRUNCATE TABLE ${t}`);
  } finally {
    await dbs.destroy();
  }
}

async function cleanup(): Promise<void> {
  // Every index and template of the run starts with one of these bases: the read model's (and its state index), the raw targets'.
  await deleteIndices(ES, env.SHARDLINE_ES_INDEX);
  await deleteIndices(ES, raw.esBase);
  const databases = [env.SHARDLINE_CLICKHOUSE_DATABASE, ...RAW_CH_FORMATS.map((_, i) => `${raw.chDatabase}${i}`)];
  for (const db of databases) await fetch(`${CH}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${db}`)}`, { method: 'POST' }).catch(() => undefined);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [env.SHARDLINE_EVENTS_TOPIC, env.SHARDLINE_EVENTS_DLQ_TOPIC, raw.topic] }).catch(() => undefined);
  await admin.disconnect();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
