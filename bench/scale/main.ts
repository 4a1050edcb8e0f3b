/**
 * Scale benchmark (issue 12, part 2): loads BENCH_SCALE_SIZES records (default 1 million, then 10
 * million) into the 4 shards through the event store's own write path (loader.ts), builds both read
 * models through the operators' replay path (replay.ts), then measures p50/p99 of every query kind
 * through a query-api (measure.ts) at each size, and prints p99 at the largest size against the
 * smallest (target ≤ 1.5x, and every p99 < 100 ms). Private databases, topics, index and ClickHouse
 * database (`bench_scale_*`), dropped at the end unless BENCH_SCALE_KEEP=1; a kept run continues
 * with BENCH_SCALE_RUN=<run> (its state: .bench-scale/<run>.json). See README.md beside this file.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { shardingConfigFromEnv, SlotMapShardRouter } from '@shardline/sharding';
import { MysqlSlotMapStore, ShardDatabases } from '@shardline/sharding/mysql';
import { maintainClickHouse } from '../../apps/ops-cli/src/maintenance/clickhouse-maintenance';
import { rollUpSummary } from '@shardline/projection-clickhouse';
import { migrateAll } from '../../migrations/migrate';
import { deleteIndices } from '../../test/pipeline/pipeline-fixture';
import { CpuUsage } from '../pipeline/cpu-usage';
import { engineSettings, settleEngines, storeSizes } from './engines';
import { ScaleLoader, type SampledRecord } from './loader';
import { measureQueries, type QueryFigure, type QueryGroup } from './measure';
import { cpuPerUnit, replayReadModels, type ReplayFigures } from './replay';
import { describeRecordsLayout, prepareRecordsLayout, recordsLayoutFromEnv } from './records-layout';
import { Workload } from './workload';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '1000000,10000000').split(',').map(Number);
const STEPS = new Set((process.env.BENCH_SCALE_STEPS ?? 'load,replay,rollup,measure').split(','));
const KEEP = process.env.BENCH_SCALE_KEEP === '1';
const REPLAY_MODELS = (process.env.BENCH_SCALE_REPLAY_MODELS ?? 'clickhouse,elasticsearch').split(',') as Array<'clickhouse' | 'elasticsearch'>;
const ES = process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200';
const CH = process.env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const STATE_DIR = '.bench-scale';
const RECORDS_LAYOUT = recordsLayoutFromEnv(process.env.BENCH_SCALE_RECORDS_LAYOUT);

interface RunState {
  run: string;
  /** End of the creation-time window (the first load's start): fixed for the run. */
  endMs: number;
  loaded: number;
  phases: number;
  samples: SampledRecord[];
  /** Live records the reservoir has seen (so a continued run keeps sampling uniformly). */
  seen: number;
  /** Records created and not deleted: what `records` must hold. */
  live: number;
  /** Events appended: what `events` must hold. */
  events: number;
  /** Figures measured so far, per size and query (a continued run compares against the earlier sizes). */
  figures?: Record<string, Record<string, QueryFigure>>;
}

const state: RunState = loadState(process.env.BENCH_SCALE_RUN);
const run = state.run;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  SHARDLINE_SHARD_DB_PREFIX: `bench_scale_${run}_db_`,
  SHARDLINE_CONTROL_DB: `bench_scale_${run}_control`,
  SHARDLINE_EVENTS_TOPIC: `bench.scale.${run}.events`,
  SHARDLINE_EVENTS_DLQ_TOPIC: `bench.scale.${run}.events.dlq`,
  SHARDLINE_PROJECTOR_GROUP_PREFIX: `bench-scale-${run}-`,
  SHARDLINE_ES_INDEX: `bench-scale-${run}`,
  SHARDLINE_CLICKHOUSE_DATABASE: `bench_scale_${run}`,
  SHARDLINE_CACHE_KEY_PREFIX: `bench:scale:${run}:record:`,
  SHARDLINE_RATE_LIMIT_ENABLED: 'false',
  SHARDLINE_AUTH: 'off',
  SHARDLINE_LOG_LEVEL: 'warn',
  SHARDLINE_ACCESS_LOG: 'off',
  // On a machine shared with other work a new connection can take longer than the 2 s default.
  SHARDLINE_MYSQL_CONNECT_TIMEOUT_MS: '20000',
};

const workload = new Workload({
  seed: num('BENCH_SCALE_SEED', 12),
  businesses: num('BENCH_SCALE_BUSINESSES', 10_000),
  businessSkew: num('BENCH_SCALE_BUSINESS_SKEW', 1.0),
  users: num('BENCH_SCALE_USERS', 1_000_000),
  userSkew: num('BENCH_SCALE_USER_SKEW', 0.8),
  spanDays: num('BENCH_SCALE_SPAN_DAYS', 90),
  endMs: state.endMs,
});

async function main(): Promise<void> {
  // The loader's own pools: counting 10 million rows takes longer than the apps' 10 s query bound.
  const sharding = shardingConfigFromEnv({ ...env, SHARDLINE_MYSQL_QUERY_TIMEOUT_MS: '600000' });
  console.log(`# scale benchmark, run ${run}: sizes ${SIZES.map(fmt).join(' → ')}, steps ${[...STEPS].join(',')}, node ${process.version}`);
  console.log(
    `# workload: ${fmt(workload.options.businesses)} businesses (Zipf s=${workload.options.businessSkew}: top ${pct(workload.businesses.share(1))}, top 10 ${pct(topShare(workload.businesses, 10))}), ` +
      `${fmt(workload.options.users)} users (s=${workload.options.userSkew}: top ${pct(workload.users.share(1))}), created over the ${workload.options.spanDays} days before ${new Date(state.endMs).toISOString()}`,
  );
  console.log(`# engines: ${await engineSettings(sharding, ES, CH)}`);
  await migrateAll(sharding);
  const databases = new ShardDatabases(sharding);
  const split = await prepareRecordsLayout(databases, RECORDS_LAYOUT, new Date(workload.startMs));
  console.log(`# records layout: ${RECORDS_LAYOUT}${split.some((m) => m.length > 0) ? ` (p_before split into ${split[0].length} months per shard before the load)` : ''}`);
  const router = new SlotMapShardRouter(await new MysqlSlotMapStore(databases.control).loadOrInit(databases.count));
  const loader = new ScaleLoader(databases, router, workload, {
    chunk: num('BENCH_SCALE_CHUNK', 8_000),
    inFlight: num('BENCH_SCALE_IN_FLIGHT', 2),
    updateShare: num('BENCH_SCALE_UPDATE_SHARE', 0.1),
    deleteShare: num('BENCH_SCALE_DELETE_SHARE', 0.02),
    sampleSize: num('BENCH_SCALE_SAMPLE', 50_000),
  });
  loader.resume(state.samples, state.seen);
  try {
    for (const size of SIZES) {
      console.log(`\n## ${fmt(size)} records`);
      if (STEPS.has('load') && state.loaded < size) await load(loader, databases, size);
      if (STEPS.has('replay')) printReplays(await replayReadModels(env, REPLAY_MODELS, process.env.BENCH_SCALE_REPLAY_PARALLEL === '1'));
      if (STEPS.has('rollup')) await rollUp();
      console.log(`  stored: ${await storeSizes(databases, ES, env.SHARDLINE_ES_INDEX, CH, env.SHARDLINE_CLICKHOUSE_DATABASE)}`);
      if (STEPS.has('measure')) {
        console.log(`  measured layout: ${await describeRecordsLayout(databases)}`);
        // A cache namespace per size: ids read at the previous size must miss again.
        const queries = await measureQueries({ ...env, SHARDLINE_CACHE_KEY_PREFIX: `bench:scale:${run}:${size}:record:` }, workload, state.samples, {
          port: num('BENCH_SCALE_PORT', 3993),
          seconds: num('BENCH_SCALE_QUERY_SECONDS', 10),
          warmupSeconds: num('BENCH_SCALE_WARMUP_SECONDS', 3),
          connections: { reads: num('BENCH_SCALE_CONNECTIONS', 16), search: num('BENCH_SCALE_SEARCH_CONNECTIONS', 4), analytics: num('BENCH_SCALE_ANALYTICS_CONNECTIONS', 2) },
          pageSize: num('BENCH_SCALE_PAGE_SIZE', 20),
          missReads: num('BENCH_SCALE_MISS_READS', 20_000),
          kinds: new Set((process.env.BENCH_SCALE_QUERY_KINDS ?? 'shard,search,analytics').split(',') as QueryGroup[]),
          settle: () => settleEngines(CH, { maxMs: num('BENCH_SCALE_SETTLE_SECONDS', 300) * 1000 }),
        });
        state.figures = { ...state.figures, [size]: { ...state.figures?.[size], ...Object.fromEntries(queries.map((q) => [q.query, q])) } };
        saveState();
      }
    }
    printComparison(state.figures ?? {});
  } finally {
    await databases.destroy().catch((e: Error) => console.error(`closing the pools: ${e.message}`));
    if (!KEEP) await cleanup(sharding);
    else console.log(`\nkept: continue with BENCH_SCALE_RUN=${run}; drop with BENCH_SCALE_RUN=${run} BENCH_SCALE_STEPS=none npm run bench:scale`);
  }
}

async function load(loader: ScaleLoader, databases: ShardDatabases, size: number): Promise<void> {
  const phase = { start: state.loaded, size: size - state.loaded, workerId: 960 + state.phases };
  const cpu = new CpuUsage(() => ({}));
  cpu.begin();
  const report = await loader.load(phase, (done, seconds) => console.log(`  … ${fmt(phase.start + done)} records, ${fmt(done / seconds)}/s`));
  const perEvent = cpuPerUnit(cpu.end(), report.seconds, report.events);
  console.log(
    `  load: ${fmt(report.records)} records (${fmt(report.updates)} updated, ${fmt(report.deletes)} deleted; ${fmt(report.events)} events) in ${report.seconds.toFixed(0)} s: ` +
      `${fmt(report.records / report.seconds)} records/s, ${fmt(report.events / report.seconds)} events/s; CPU µs/event ${describeCpu(perEvent)}`,
  );
  state.loaded = size;
  state.phases++;
  state.samples = loader.samples;
  state.seen = loader.seen;
  state.live += report.records - report.deletes;
  state.events += report.events;
  saveState();
  // The relay would have published these rows and deleted them; the read models are built by the
  // replay instead, so the outbox is left as a drained relay leaves it: empty.
  for (const shard of databases.shardIndexes()) await databases.shard(shard).raw('TRUNCATE TABLE outbox');
  const count = (table: string) =>
    Promise.all(databases.shardIndexes().map((s) => databases.shard(s).raw(`SELECT COUNT(*) AS n FROM ${table}`).then(([rows]) => Number((rows as Array<{ n: number }>)[0].n))));
  const live = await count('records');
  const total = live.reduce((a, b) => a + b, 0);
  const events = (await count('events')).reduce((a, b) => a + b, 0);
  console.log(`  records rows per shard: ${live.map(fmt).join(' / ')} (total ${fmt(total)}, expected ${fmt(state.live)} = created − deleted); events ${fmt(events)} (expected ${fmt(state.events)})`);
  if (total !== state.live || events !== state.events) throw new Error(`records holds ${total} rows and events ${events}; the loader wrote ${state.live} live records and ${state.events} events`);
}

/**
 * The maintenance job's ClickHouse part, as production runs it after the rebuild (whose swap makes
 * every earlier run unusable): every settled day of the workload's window rolled, so the analytics
 * endpoints read one row per business per closed day and raw events only for today and yesterday.
 */
async function rollUp(): Promise<void> {
  const started = performance.now();
  const { rollup } = await maintainClickHouse({ ...env, SHARDLINE_ROLLUP_LOOKBACK_DAYS: String(workload.options.spanDays + 2) });
  const seconds = (performance.now() - started) / 1000;
  console.log(`  rollup in ${seconds.toFixed(1)} s: ${rollUpSummary(rollup)}`);
}

function printReplays(replays: ReplayFigures[]): void {
  for (const r of replays) {
    console.log(`  replay → ${r.projection}: ${fmt(r.events)} events in ${r.seconds.toFixed(0)} s = ${fmt(r.eventsPerSecond)} events/s; CPU µs/event ${describeCpu(r.cpuPerEvent)}`);
  }
}

function printComparison(figures: Record<string, Record<string, QueryFigure>>): void {
  const sizes = Object.keys(figures).map(Number).sort((a, b) => a - b);
  if (sizes.length === 0) return;
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const queries = [...new Set(sizes.flatMap((size) => Object.keys(figures[size])))];
  console.log(`\n## p50 / p99 per query (ms), target: p99 < 100 at every size and ≤ 1.5x from ${fmt(first)} to ${fmt(last)}`);
  console.log(`| query | ${sizes.map((size) => `${fmt(size)}`).join(' | ')} | p99 ratio | verdict |`);
  console.log(`|---|${sizes.map(() => '---|').join('')}---|---|`);
  for (const query of queries) {
    const at = sizes.map((size) => figures[size][query]);
    const p99s = at.filter((f): f is QueryFigure => !!f).map((f) => f.p99);
    const ratio = at[0] && at[at.length - 1] && sizes.length > 1 ? at[at.length - 1].p99 / Math.max(1, at[0].p99) : undefined;
    const met = p99s.every((p) => p < 100) && (ratio === undefined || ratio <= 1.5);
    console.log(`| ${query} | ${at.map((f) => (f ? `${f.p50} / ${f.p99}` : '—')).join(' | ')} | ${ratio === undefined ? '—' : ratio.toFixed(2)} | ${met ? 'met' : 'MISSED'} |`);
  }
}

async function cleanup(sharding: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  const server = new ShardDatabases(sharding);
  try {
    for (const db of [...sharding.shards.map((s) => s.database), sharding.control.database]) await server.control.raw(`DROP DATABASE IF EXISTS \`${db}\``);
  } finally {
    await server.destroy();
  }
  await deleteIndices(ES, env.SHARDLINE_ES_INDEX);
  await fetch(`${CH}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${env.SHARDLINE_CLICKHOUSE_DATABASE}`)}`, { method: 'POST' }).catch(() => undefined);
  const admin = new Kafka({ clientId: 'bench-scale', brokers: (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [env.SHARDLINE_EVENTS_TOPIC, env.SHARDLINE_EVENTS_DLQ_TOPIC] }).catch(() => undefined);
  await admin.disconnect();
  if (existsSync(stateFile(run))) writeFileSync(stateFile(run), JSON.stringify({ ...state, dropped: true }));
  console.log(`\ndropped run ${run}'s databases, index, ClickHouse database and topics`);
}

function loadState(resume: string | undefined): RunState {
  if (resume) return JSON.parse(readFileSync(stateFile(resume), 'utf8')) as RunState;
  return { run: `r${Date.now().toString(36)}`, endMs: Date.now(), loaded: 0, phases: 0, samples: [], seen: 0, live: 0, events: 0 };
}

function saveState(): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(stateFile(run), JSON.stringify(state));
}

function stateFile(name: string): string {
  return `${STATE_DIR}/${name}.json`;
}

function topShare(zipf: Workload['businesses'], k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += zipf.share(i);
  return s;
}

function describeCpu(perEvent: Record<string, number>): string {
  return Object.entries(perEvent)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(', ');
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
