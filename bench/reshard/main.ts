/**
 * Online resharding benchmark (issue 14): 4 → 8 shards with BENCH_RESHARD_RECORDS records (default 1
 * million) while a steady write load runs through the api. Private databases (4 shards + control,
 * loaded with bench/scale's loader over its skewed businesses; then 4 more registered with
 * `ops-cli shards add`), a private topic, saga queues and cache keys; the api, the saga worker(s)
 * and the relay as child processes (from source or built: BENCH_RESHARD_APPS). Prints the time the
 * move took, rows copied and the copy rate, CPU per process during the move, write latency
 * p50/p99/max before, during and after, the longest write pause of a moving slot, the sagas'
 * cutover pauses, the refusals a client would retry, and an audit (audit.ts) that fails the run
 * (exit 1) on any lost, duplicated or misplaced write. See README.md beside this file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { connectionOfShard, shardingConfigFromEnv, SlotMapShardRouter } from '@shardline/sharding';
import { MysqlShardRegistry, MysqlSlotMapStore, ShardDatabases } from '@shardline/sharding/mysql';
import { shardsCommand } from '../../apps/ops-cli/src/shards/shards.command';
import { slotsCommand } from '../../apps/ops-cli/src/slots/slots.command';
import { migrateAll } from '../../migrations/migrate';
import { TopicCollector } from '../../test/relay/relay-test-kit';
import { CpuUsage } from '../pipeline/cpu-usage';
import { ScaleLoader } from '../scale/loader';
import { Workload } from '../scale/workload';
import { BenchApp, type AppsMode } from './apps';
import { audit } from './audit';
import { fmt, latencyIn, ms, pauseLines, type Window } from './report';
import { WriteLoad } from './write-load';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RECORDS = num('BENCH_RESHARD_RECORDS', 1_000_000);
const RATE = num('BENCH_RESHARD_RATE', 200);
const UPDATE_SHARE = num('BENCH_RESHARD_UPDATE_SHARE', 0.3);
const WORKERS = num('BENCH_RESHARD_WORKERS', 1);
const PARALLEL = num('BENCH_RESHARD_PARALLEL', 2);
const GROUP_SIZE = num('BENCH_RESHARD_GROUP_SIZE', 16);
const BASELINE_S = num('BENCH_RESHARD_BASELINE_S', 30);
const AFTER_S = num('BENCH_RESHARD_AFTER_S', 30);
/** The first seconds of the load are left out of the baseline (connection pools, JIT, first compiles from source). */
const WARMUP_S = num('BENCH_RESHARD_WARMUP_S', 10);
const MOVE_TIMEOUT_S = num('BENCH_RESHARD_MOVE_TIMEOUT_S', 4 * 3600);
const KEEP = process.env.BENCH_RESHARD_KEEP === '1';
const APPS = (process.env.BENCH_RESHARD_APPS ?? 'source') as AppsMode;
if (APPS !== 'source' && APPS !== 'built') throw new Error(`BENCH_RESHARD_APPS must be source or built, not ${APPS}`);
const BROKERS = (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `r${Date.now().toString(36)}`;
/** Where the run's request log goes (outside the repository: .gitignore lists no folder for it). */
const STATE_DIR = process.env.BENCH_RESHARD_OPS_DIR ?? `${tmpdir()}/bench-reshard`;
const ports = { api: 3940, relay: 9540, worker: 9541 };

const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  SHARDLINE_SHARD_DB_PREFIX: `bench_reshard_${run}_db_`,
  SHARDLINE_CONTROL_DB: `bench_reshard_${run}_control`,
  SHARDLINE_EVENTS_TOPIC: `bench.reshard.${run}.events`,
  SHARDLINE_EVENTS_DLQ_TOPIC: `bench.reshard.${run}.events.dlq`,
  SHARDLINE_CACHE_KEY_PREFIX: `bench:reshard:${run}:record:`,
  SHARDLINE_SAGA_QUEUE_PREFIX: `bench-reshard-${run}`,
  SHARDLINE_RATE_LIMIT_ENABLED: 'false',
  SHARDLINE_AUTH: 'off',
  SHARDLINE_LOG_LEVEL: 'warn',
  SHARDLINE_ACCESS_LOG: 'off',
  SHARDLINE_MYSQL_CONNECT_TIMEOUT_MS: '20000',
  // Every process learns the new shards and the flips within this (the move refuses to start before).
  SHARDLINE_SLOT_MAP_POLL_MS: process.env.SHARDLINE_SLOT_MAP_POLL_MS ?? '1000',
  // The api's record cache (Redis, with its fence: docs/adr/0006), on as in production unless BENCH_RESHARD_CACHE=off.
  SHARDLINE_CACHE_ENABLED: process.env.BENCH_RESHARD_CACHE === 'off' ? 'false' : 'true',
};
// The worker's copy settings; unset = the app's defaults (5,000 rows a chunk, 15 s settle).
for (const [bench, app] of [
  ['BENCH_RESHARD_CHUNK_ROWS', 'SHARDLINE_SLOT_MOVE_CHUNK_ROWS'],
  ['BENCH_RESHARD_SETTLE_MS', 'SHARDLINE_SLOT_MOVE_SETTLE_MS'],
] as const)
  if (process.env[bench]) env[app] = process.env[bench]!;

const workload = new Workload({
  seed: num('BENCH_RESHARD_SEED', 12),
  businesses: num('BENCH_RESHARD_BUSINESSES', 10_000),
  businessSkew: num('BENCH_RESHARD_BUSINESS_SKEW', 1.0),
  users: num('BENCH_RESHARD_USERS', 1_000_000),
  userSkew: 0.8,
  spanDays: 90,
  endMs: Date.now(),
});

const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

/** The apps of the run, for the teardown (also on Ctrl-C). */
const apps: BenchApp[] = [];
let tornDown: Promise<void> | undefined;

/** Stops the apps and drops what the run created (unless BENCH_RESHARD_KEEP=1); once. */
function teardown(sharding: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  tornDown ??= (async () => {
    await Promise.all(apps.map((a) => a.stop().catch(() => undefined)));
    if (!KEEP) await drop(sharding).catch((e: Error) => console.error(`drop: ${e.message}`));
    else console.log(`kept run ${run}: databases ${env.SHARDLINE_SHARD_DB_PREFIX}0..7, ${env.SHARDLINE_CONTROL_DB}`);
  })();
  return tornDown;
}

async function main(): Promise<void> {
  const sharding = shardingConfigFromEnv({ ...env, SHARDLINE_MYSQL_QUERY_TIMEOUT_MS: '600000' });
  if (sharding.shards.length !== 4) throw new Error(`the benchmark starts from 4 shards, not ${sharding.shards.length} (unset SHARDLINE_SHARDS / SHARDLINE_SHARD_COUNT)`);
  console.log(`# reshard benchmark, run ${run}: 4 → 8 shards, ${fmt(RECORDS)} records, ${RATE} writes/s offered (${Math.round(UPDATE_SHARE * 100)} % updates), apps ${APPS}, cache ${env.SHARDLINE_CACHE_ENABLED === 'true' ? 'on' : 'off'}, ${WORKERS} saga worker(s), --parallel ${PARALLEL} --group-size ${GROUP_SIZE}, node ${process.version}`);
  console.log(`# copy: chunk ${env.SHARDLINE_SLOT_MOVE_CHUNK_ROWS ?? 'default'} rows, settle ${env.SHARDLINE_SLOT_MOVE_SETTLE_MS ?? 'default'} ms; load average at start ${load()}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`${signal}: stopping the apps and dropping run ${run}`);
      void teardown(sharding).finally(() => process.exit(130));
    });
  let collector: TopicCollector | undefined;
  let databases: ShardDatabases | undefined;
  let failed = false;
  try {
    // 1. Four shards loaded through bench/scale's bulk path (the event store's invariants hold).
    await migrateAll(sharding);
    databases = new ShardDatabases(sharding);
    const router = new SlotMapShardRouter(await new MysqlSlotMapStore(databases.control).loadOrInit(databases.count));
    const loader = new ScaleLoader(databases, router, workload, { chunk: 8_000, inFlight: 2, updateShare: 0.1, deleteShare: 0.02, sampleSize: num('BENCH_RESHARD_SAMPLE', 20_000) });
    const loaded = await loader.load({ start: 0, size: RECORDS, workerId: 970 }, (done, s) => console.log(`  … loaded ${fmt(done)} records, ${fmt(done / s)}/s`));
    // The loaded history is not published (as bench/scale: a drained relay leaves the outbox empty):
    // Kafka then carries exactly the run's writes, which the audit checks one by one.
    for (const shard of databases.shardIndexes()) await databases.shard(shard).raw('TRUNCATE TABLE outbox');
    const live = loaded.records - loaded.deletes;
    console.log(`load: ${fmt(loaded.records)} records (${fmt(live)} live, ${fmt(loaded.events)} events) in ${loaded.seconds.toFixed(0)} s; rows per shard ${(await countPerShard(databases, 'records')).map(fmt).join(' / ')}`);

    // 2. Four more shards, registered (they own nothing until the move).
    const { host, port } = sharding.control;
    const added = await shardsCommand(['add', ...[4, 5, 6, 7].map((i) => `mysql://${host}:${port}/${env.SHARDLINE_SHARD_DB_PREFIX}${i}`)], env, (l) => console.log(`  ${l}`));
    if (added !== 0) throw new Error(`shards add exited ${added}`);

    // 3. The apps, each its own process.
    apps.push(new BenchApp('api', 'api', `http://127.0.0.1:${ports.api}/health/ready`, { ...env, SHARDLINE_HTTP_PORT: String(ports.api), SHARDLINE_HTTP_HOST: '127.0.0.1' }, APPS));
    apps.push(new BenchApp('relay', 'relay', `http://127.0.0.1:${ports.relay}/health/ready`, { ...env, SHARDLINE_RELAY_OPS_PORT: String(ports.relay), SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' }, APPS));
    for (let i = 0; i < WORKERS; i++) {
      const p = ports.worker + i;
      apps.push(new BenchApp(WORKERS > 1 ? `saga-worker-${i + 1}` : 'saga-worker', 'saga-worker', `http://127.0.0.1:${p}/health/ready`, { ...env, SHARDLINE_SAGA_OPS_PORT: String(p), SHARDLINE_SAGA_OPS_HOST: '127.0.0.1' }, APPS));
    }
    const started = performance.now();
    await Promise.all(apps.map((a) => a.start()));
    console.log(`apps ready in ${((performance.now() - started) / 1000).toFixed(0)} s (${apps.map((a) => `${a.name} pid ${a.pid}`).join(', ')})`);
    collector = new TopicCollector(env.SHARDLINE_EVENTS_TOPIC);
    await collector.start();

    // 4. The steady load: a baseline window, the move, a window after.
    const writes = new WriteLoad(workload, [...loader.samples], { apiUrl: `http://127.0.0.1:${ports.api}`, rate: RATE, updateShare: UPDATE_SHARE, maxInFlight: num('BENCH_RESHARD_MAX_IN_FLIGHT', 256), timeoutMs: 30_000 });
    writes.start();
    await sleep((WARMUP_S + BASELINE_S) * 1000);
    const cpu = new CpuUsage(() => Object.fromEntries(apps.map((a) => [a.name, a.pid])));
    const moveStartMs = writes.now();
    cpu.begin();
    const loadDuring: string[] = [load()];
    const moveId = await startMove(env);
    console.log(`move ${moveId} started at ${(moveStartMs / 1000).toFixed(0)} s of the load; load average ${load()}`);
    const final = await waitForMove(env, moveId, apps, () => loadDuring.push(load()));
    const moveEndMs = writes.now();
    const cpuDuring = cpu.end();
    loadDuring.push(load());
    await sleep(AFTER_S * 1000);
    await writes.stop();
    const endMs = writes.now();

    // 5. The figures.
    const seconds = (moveEndMs - moveStartMs) / 1000;
    const rowsCopied = final.groups.reduce((n, g) => n + g.rows_copied, 0);
    console.log(`\n## the move: ${final.groups.length} groups, ${final.groups.reduce((n, g) => n + g.slots, 0)} slots, status ${final.status}`);
    console.log(`  time taken ${seconds.toFixed(1)} s; rows copied ${fmt(rowsCopied)} (records + events of the moved slots); copy rate ${fmt(rowsCopied / seconds)} rows/s over the whole move`);
    console.log(`  CPU during the move (% of one core; machine has ${availableParallelism()}): ${cpuDuring.filter((c) => c.percent >= 0.5).map((c) => `${c.name} ${c.percent.toFixed(0)}`).join(', ')}`);
    console.log(`  load average during the move (1/5/15 min), at start … end: ${loadDuring[0]} … ${loadDuring[loadDuring.length - 1]}`);
    const pauses = await cutoverPauses(databases, moveId);
    console.log(
      `  cutover pauses (sagas' cutover_pause_ms: revoke → grant, ${pauses.length} groups): min / median / p99 / max ${spread(pauses.map((p) => p.pauseMs))} ms` +
        (pauses.length < final.groups.length ? `; ${final.groups.length - pauses.length} group(s) without one in their saga's state` : ''),
    );
    const toFlip = pauses.flatMap((p) => (p.toFlipMs === null ? [] : [p.toFlipMs]));
    if (toFlip.length > 0) console.log(`  revoke → flip (the map names the target; the flip is the next saga job): min / median / p99 / max ${spread(toFlip)} ms`);
    const phased = pauses.flatMap((p) => (p.phases ? [p.phases] : []));
    if (phased.length > 0) {
      const phases = (['revoke', 'staged', 'catch_up', 'verify', 'grant'] as const).map((name) => `${name} ${spread(phased.map((p) => p[name]))}`);
      console.log(`  where the pause goes (min / median / p99 / max ms): ${phases.join('; ')}`);
    }
    console.log(`  per group (group:ms): ${pauses.map((p) => `${p.group}:${ms(p.pauseMs)}`).join(' ')}`);

    const windows: Window[] = [
      { name: 'before', fromMs: WARMUP_S * 1000, toMs: moveStartMs },
      { name: 'during', fromMs: moveStartMs, toMs: moveEndMs },
      { name: 'after', fromMs: moveEndMs, toMs: endMs },
    ];
    console.log(`\n## writes through the api (${fmt(writes.ops.length)} requests, ${fmt(writes.skipped)} offers skipped at ${num('BENCH_RESHARD_MAX_IN_FLIGHT', 256)} in flight)`);
    console.log('| window | seconds | requests | acknowledged/s | p50 ms | p99 ms | max ms | not acknowledged (status code: n) |');
    console.log('|---|---|---|---|---|---|---|---|');
    const figures = windows.map((w) => latencyIn(writes.ops, w));
    for (const [i, f] of figures.entries()) {
      const refused = Object.entries(f.refused).map(([k, n]) => `${k}: ${n}`).join(', ') || '—';
      console.log(`| ${f.window} | ${((windows[i].toMs - windows[i].fromMs) / 1000).toFixed(0)} | ${fmt(f.requests)} | ${f.ackPerSecond.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${refused} |`);
    }
    console.log(`  p99 during / before: ${(figures[1].p99 / figures[0].p99).toFixed(2)}x; after / before: ${(figures[2].p99 / figures[0].p99).toFixed(2)}x`);
    const slotMoved = writes.ops.filter((o) => o.code === 'EVENT_STORE.SLOT_MOVED').length;
    console.log(`  503 EVENT_STORE.SLOT_MOVED (a client retries it): ${slotMoved}`);
    const otherFailures = writes.ops.filter((o) => o.status !== 0 && (o.status < 200 || o.status >= 300) && o.code !== 'EVENT_STORE.SLOT_MOVED');
    if (otherFailures.length > 0) {
      const first = otherFailures[0];
      const messages = count(otherFailures.map((o) => `${o.kind} ${o.status} ${o.code}: ${o.message ?? ''}`));
      console.log(
        `  WARNING: ${otherFailures.length} write(s) refused for another reason than the move, first at ${(first.startMs / 1000).toFixed(1)} s (move ${(moveStartMs / 1000).toFixed(0)}..${(moveEndMs / 1000).toFixed(0)} s), last at ${(otherFailures[otherFailures.length - 1].startMs / 1000).toFixed(1)} s: ` +
          Object.entries(messages).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([m, n]) => `${n}× ${m}`).join(' | '),
      );
    }

    const owner = new Map((await new MysqlSlotMapStore(databases.control).ownership()).map((o) => [o.slot, o.shard]));
    const moved = new Set([...owner].filter(([slot, shard]) => shard !== slot % 4).map(([slot]) => slot));
    for (const line of pauseLines(writes.ops, moved, windows, num('BENCH_RESHARD_GAP_MIN_WRITES', 1))) console.log(line);

    // Every request, for diagnosis (which writes were refused when, and how long each took).
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(`${STATE_DIR}/${run}.ops.jsonl`, writes.ops.map((o) => JSON.stringify(o)).join('\n'));
    console.log(`  every request: ${STATE_DIR}/${run}.ops.jsonl (ms since the load started; the move ran ${Math.round(moveStartMs)}..${Math.round(moveEndMs)})`);

    // 6. Cleanup of the old copies, then the audit.
    await waitForPublished(collector, writes.ops.filter((o) => o.status >= 200 && o.status < 300).length);
    const cleanupStarted = performance.now();
    await cleanup(env, moveId);
    console.log(`\ncleanup: ${((performance.now() - cleanupStarted) / 1000).toFixed(1)} s`);
    for (const entry of await new MysqlShardRegistry(databases.control).list()) databases.addShard(entry.shard, connectionOfShard(databases.config, entry));
    console.log(`records per shard after the move: ${(await countPerShard(databases, 'records')).map(fmt).join(' / ')}`);
    const result = await audit({ databases, owner, ops: writes.ops, loaded: { live, events: loaded.events }, published: collector.messages, moved });
    console.log(`\n## audit (event store + Kafka; read models: see README)`);
    for (const c of result.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    console.log(`\n${result.ok ? 'PASS' : 'FAIL'}; load average at the end ${load()}`);
    failed = !result.ok;
  } finally {
    for (const app of apps) if (!app.running && app.pid) console.error(`${app.name} exited early:\n${app.log().split('\n').slice(-30).join('\n')}`);
    await collector?.close().catch(() => undefined);
    await databases?.destroy().catch(() => undefined);
    await teardown(sharding);
  }
  if (failed) process.exitCode = 1;
}

interface MoveStatus {
  move_id: string;
  status: string;
  groups: Array<{ group: number; slots: number; stages: Record<string, number>; rows_copied: number; rows_behind: number | null; saga: string }>;
}

async function cli(argv: string[], e: Record<string, string>): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await slotsCommand(argv, e, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

/** `slots move --to-shards 8`, retried while a process has not yet loaded the map that added the shards. */
async function startMove(e: Record<string, string>): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await cli(['move', '--to-shards', '8', '--parallel', String(PARALLEL), '--group-size', String(GROUP_SIZE)], e);
    if (r.code === 0) return /move (m[0-9a-f-]+):/.exec(r.text)![1];
    if (r.code !== 3 || !r.text.includes('route by a map older') || Date.now() > deadline) throw new Error(`slots move exited ${r.code}: ${r.text}`);
    await sleep(1000);
  }
}

/** Polls `slots status --json` until every group's saga completed; fails loudly on a rolled-back or failed group, a dead app or the timeout. */
async function waitForMove(e: Record<string, string>, moveId: string, apps: BenchApp[], tick: () => void): Promise<MoveStatus> {
  const deadline = Date.now() + MOVE_TIMEOUT_S * 1000;
  let lastPrint = 0;
  for (;;) {
    const status = JSON.parse((await cli(['status', '--move', moveId, '--json'], e)).text).moves[0] as MoveStatus;
    const sagas = count(status.groups.map((g) => g.saga));
    if (status.groups.every((g) => g.saga === 'completed')) return status;
    const bad = status.groups.filter((g) => ['failed', 'compensated', 'compensating', 'missing'].includes(g.saga));
    if (bad.length > 0) throw new Error(`move ${moveId}: group(s) ${bad.map((g) => `${g.group} ${g.saga} ${JSON.stringify(g.stages)}`).join('; ')}`);
    const dead = apps.filter((a) => !a.running);
    if (dead.length > 0) throw new Error(`${dead.map((a) => a.name).join(', ')} exited during the move`);
    if (Date.now() > deadline) throw new Error(`move ${moveId} not finished after ${MOVE_TIMEOUT_S} s: ${JSON.stringify(sagas)}`);
    if (Date.now() - lastPrint > 15_000) {
      lastPrint = Date.now();
      tick();
      const stages = count(status.groups.flatMap((g) => Object.entries(g.stages).flatMap(([s, n]) => Array<string>(n).fill(s))));
      console.log(`  … sagas ${JSON.stringify(sagas)}; slots ${JSON.stringify(stages)}; ${fmt(status.groups.reduce((n, g) => n + g.rows_copied, 0))} rows copied; load ${load()}`);
    }
    await sleep(2000);
  }
}

type CutoverPhases = Record<'revoke' | 'staged' | 'catch_up' | 'verify' | 'grant', number>;

/**
 * Each group's cutover pause, from its saga's state: the cutover step's result (`pause_ms`, revoke →
 * grant; the saga's result reports it as `cutover_pause_ms`), its phases, and revoke → flip (until
 * the map names the target, writes of a process that had the old map are refused and retried).
 */
async function cutoverPauses(databases: ShardDatabases, moveId: string): Promise<Array<{ group: number; pauseMs: number; toFlipMs: number | null; phases: CutoverPhases | null }>> {
  const rows = (await databases.control('sagas').where('id', 'like', `slot-move:${moveId}:%`).select('id', 'state')) as Array<{ id: string; state: unknown }>;
  return rows
    .map((r) => {
      const state = (typeof r.state === 'string' ? JSON.parse(r.state) : r.state) as {
        results?: { cutover?: { pause_ms?: number; revoked_at?: number; phases_ms?: CutoverPhases }; flip?: { flipped_at?: number } };
      };
      const cutover = state.results?.cutover;
      const flippedAt = state.results?.flip?.flipped_at;
      return {
        group: Number(r.id.split(':').pop()),
        pauseMs: Number(cutover?.pause_ms ?? NaN),
        toFlipMs: cutover?.revoked_at && flippedAt ? flippedAt - cutover.revoked_at : null,
        phases: cutover?.phases_ms ?? null,
      };
    })
    .filter((p) => Number.isFinite(p.pauseMs))
    .sort((a, b) => a.group - b.group);
}

/** min / median / p99 / max of a list of milliseconds. */
function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return sorted.length === 0 ? '-' : `${ms(sorted[0])} / ${ms(at(0.5))} / ${ms(at(0.99))} / ${ms(sorted[sorted.length - 1])}`;
}

async function waitForPublished(collector: TopicCollector, acknowledged: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (collector.distinct().size < acknowledged && Date.now() < deadline) await sleep(500);
  console.log(`\nKafka: ${fmt(collector.distinct().size)} distinct events received for ${fmt(acknowledged)} acknowledged writes`);
}

/** `slots cleanup --grace-s 0`, retried while a process still routes by an older map (it polls within a second). */
async function cleanup(e: Record<string, string>, moveId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await cli(['cleanup', '--move', moveId, '--grace-s', '0'], e);
    if (r.code === 0) {
      console.log(`  ${r.text.split('\n').pop()}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`slots cleanup exited ${r.code}: ${r.text}`);
    await sleep(1000);
  }
}

async function countPerShard(databases: ShardDatabases, table: string): Promise<number[]> {
  return Promise.all(databases.shardIndexes().map((s) => databases.shard(s).raw(`SELECT COUNT(*) AS n FROM ${table}`).then(([rows]) => Number((rows as Array<{ n: number }>)[0].n))));
}

async function drop(sharding: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  const server = new ShardDatabases(sharding);
  try {
    const dbs = [...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `${env.SHARDLINE_SHARD_DB_PREFIX}${i}`), sharding.control.database];
    for (const db of dbs) await server.control.raw(`DROP DATABASE IF EXISTS \`${db}\``);
  } finally {
    await server.destroy();
  }
  const admin = new Kafka({ clientId: 'bench-reshard', brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [env.SHARDLINE_EVENTS_TOPIC, env.SHARDLINE_EVENTS_DLQ_TOPIC] }).catch(() => undefined);
  await admin.disconnect();
  // The saga queues (BullMQ) and the cache's keys of the run.
  const redis = new Redis(process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    for (const pattern of [`${env.SHARDLINE_SAGA_QUEUE_PREFIX}:*`, `bench:reshard:${run}:*`]) {
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        if ((cursor = next) === '0') break;
      }
    }
  } catch (error) {
    console.error(`Redis keys of run ${run} not deleted: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
  console.log(`dropped run ${run}'s databases, topics and Redis keys`);
}

function count(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
