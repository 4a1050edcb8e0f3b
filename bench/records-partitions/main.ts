/**
 * Partitioned `records` against unpartitioned, on the same rows (issue 12 part 3): takes the shards
 * of a kept `bench:scale` run (load it with BENCH_SCALE_SPAN_DAYS=540 for ~18 months of history),
 * copies each shard's `records` into `records_part` and converts that copy with the migration's own
 * partitionRecordsByMonth (timed: what migration 0006 costs), then measures, through the real
 * MysqlRecordStateReader, p50/p99 of id lookups and newest-first pages with `records` being each
 * variant in turn (RENAME TABLE), and replays one query of each kind with ANALYZE FORMAT=JSON
 * (statements, rows and pages read, partitions touched). Variants alternate in rounds so a busy
 * machine weighs on each alike. See README.md beside this file.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { isPartitioned, listRecordPartitions, MysqlRecordStateReader, partitionRecordsByMonth } from '@shardline/records-mysql';
import { shardingConfigFromEnv, SlotMapShardRouter } from '@shardline/sharding';
import { MysqlSlotMapStore, ShardDatabases } from '@shardline/sharding/mysql';
import { CpuUsage } from '../pipeline/cpu-usage';
import { cpuPerUnit } from '../scale/replay';
import type { SampledRecord } from '../scale/loader';
import { businessIdOf, userIdOf } from '../scale/workload';
import { analyzeStatements, type PlanFigure } from './plan';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RUN = process.env.BENCH_RP_SCALE_RUN;
if (!RUN) throw new Error('BENCH_RP_SCALE_RUN=<run of a kept bench:scale load> is required');
const SECONDS = num('BENCH_RP_SECONDS', 8);
const WARMUP = num('BENCH_RP_WARMUP_SECONDS', 2);
const CLIENTS = num('BENCH_RP_CLIENTS', 8);
const ROUNDS = num('BENCH_RP_ROUNDS', 2);
const PAGE = 20;

type Variant = { name: string; table: 'flat' | 'part'; recentFirst: boolean };
const ALL_VARIANTS: Variant[] = [
  { name: 'unpartitioned', table: 'flat', recentFirst: false },
  { name: 'unpartitioned + windows', table: 'flat', recentFirst: true },
  { name: 'partitioned, no bound', table: 'part', recentFirst: false },
  { name: 'partitioned + windows', table: 'part', recentFirst: true },
];
/** A subset by name (comma-separated), e.g. the baseline and the shipped layout only; the first is the baseline. */
const VARIANTS = process.env.BENCH_RP_VARIANTS ? process.env.BENCH_RP_VARIANTS.split(',').map((name) => ALL_VARIANTS.find((v) => v.name === name.trim())!) : ALL_VARIANTS;
if (VARIANTS.some((v) => v === undefined)) throw new Error(`BENCH_RP_VARIANTS: names among ${ALL_VARIANTS.map((v) => v.name).join(', ')}`);

interface QueryKind {
  name: string;
  /** One call; `i` numbers the calls of a run. */
  call(reader: MysqlRecordStateReader, i: number): Promise<unknown>;
}

async function main(): Promise<void> {
  const sharding = shardingConfigFromEnv({
    ...(process.env as Record<string, string>),
    SHARDLINE_SHARD_DB_PREFIX: `bench_scale_${RUN}_db_`,
    SHARDLINE_CONTROL_DB: `bench_scale_${RUN}_control`,
    SHARDLINE_MYSQL_QUERY_TIMEOUT_MS: '0',
    SHARDLINE_MYSQL_POOL_MAX: String(CLIENTS * 2),
  });
  const samples = (JSON.parse(readFileSync(`.bench-scale/${RUN}.json`, 'utf8')) as { samples: SampledRecord[] }).samples;
  const databases = new ShardDatabases(sharding);
  const router = new SlotMapShardRouter(await new MysqlSlotMapStore(databases.control).loadOrInit(databases.count));
  const shards = databases.shardIndexes();
  const commitPoints = new MysqlCommitPoints(databases.control);
  let current: 'flat' | 'part' = 'flat';
  const use = async (table: 'flat' | 'part') => {
    if (table === current) return;
    for (const s of shards) {
      await databases.shard(s).raw(`RENAME TABLE records TO records_${current}, records_${table} TO records`);
    }
    current = table;
  };
  try {
    console.log(`# records partitions: scale run ${RUN}, ${CLIENTS} clients, ${SECONDS} s per query and variant × ${ROUNDS} rounds, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    await convert(databases, shards);

    const hot = [1, 2, 3, 4, 5].map(businessIdOf);
    const tail = [9000, 9001, 9002, 9003, 9004].map(businessIdOf);
    const users = [1, 2, 3, 4, 5].map(userIdOf);
    const cursors = await Promise.all(hot.map((b) => cursorOf(databases, router.shardFor(b), b, 49 * PAGE)));
    const kinds: QueryKind[] = [
      { name: 'id lookup', call: (r, i) => lookup(r, router, samples[(i * 7_919) % samples.length]) },
      { name: 'business page 1 (5 hottest)', call: (r, i) => r.page([router.shardFor(hot[i % 5])], { businessId: hot[i % 5] }, null, PAGE) },
      { name: 'business page 50 (5 hottest)', call: (r, i) => r.page([router.shardFor(hot[i % 5])], { businessId: hot[i % 5] }, cursors[i % 5], PAGE) },
      { name: 'business page 1, tail (~11 records)', call: (r, i) => r.page([router.shardFor(tail[i % 5])], { businessId: tail[i % 5] }, null, PAGE) },
      { name: 'user page 1 over 4 shards (5 heaviest)', call: (r, i) => r.page(shards, { userId: users[i % 5] }, null, PAGE) },
    ];

    const latencies = new Map<string, number[]>();
    const cpu = new Map<string, Array<{ calls: number; seconds: number; usage: Array<{ name: string; percent: number }> }>>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
        await use(variant.table);
        const reader = new MysqlRecordStateReader(databases, { commitPoints }, { recentFirst: variant.recentFirst });
        for (const kind of kinds) {
          await closedLoop(reader, kind, WARMUP);
          const usage = new CpuUsage(() => ({}));
          usage.begin();
          const got = await closedLoop(reader, kind, SECONDS);
          const key = `${variant.name}|${kind.name}`;
          latencies.set(key, [...(latencies.get(key) ?? []), ...got]);
          cpu.set(key, [...(cpu.get(key) ?? []), { calls: got.length, seconds: SECONDS, usage: usage.end() }]);
        }
      }
      console.log(`  round ${round} done, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    }

    console.log(`\n## p50 / p99 (ms), ratio of p99 to unpartitioned's, CPU µs per query (bench process / MariaDB)`);
    console.log(`| query | ${VARIANTS.map((v) => v.name).join(' | ')} |`);
    console.log(`|---|${VARIANTS.map(() => '---|').join('')}`);
    for (const kind of kinds) {
      const base = percentile(latencies.get(`${VARIANTS[0].name}|${kind.name}`)!, 0.99);
      const cells = VARIANTS.map((v) => {
        const key = `${v.name}|${kind.name}`;
        const l = latencies.get(key)!;
        const p99 = percentile(l, 0.99);
        const c = cpuOf(cpu.get(key)!);
        return `${fmt(percentile(l, 0.5))} / ${fmt(p99)} (${(p99 / base).toFixed(2)}) · ${Math.round(c.bench ?? 0)} / ${Math.round(c.mariadb ?? 0)} µs`;
      });
      console.log(`| ${kind.name} | ${cells.join(' | ')} |`);
    }

    console.log(`\n## ANALYZE FORMAT=JSON of one query of each kind: statements · rows read · pages accessed · partitions touched (filesort if any)`);
    console.log(`| query | ${VARIANTS.map((v) => v.name).join(' | ')} |`);
    console.log(`|---|${VARIANTS.map(() => '---|').join('')}`);
    const plans: Record<string, PlanFigure[]> = {};
    for (const variant of VARIANTS) {
      await use(variant.table);
      const reader = new MysqlRecordStateReader(databases, { commitPoints }, { recentFirst: variant.recentFirst });
      for (const kind of kinds) {
        plans[kind.name] = [...(plans[kind.name] ?? []), await analyzeStatements(databases, shards, () => kind.call(reader, 0))];
      }
    }
    for (const kind of kinds) {
      console.log(`| ${kind.name} | ${plans[kind.name].map((p) => `${p.statements} · ${p.rows} · ${p.pages} · ${p.partitions}${p.filesort ? ' filesort' : ''}`).join(' | ')} |`);
    }
  } finally {
    await use('flat').catch((e: Error) => console.error(`restoring records: ${e.message}`));
    if (process.env.BENCH_RP_KEEP_COPY !== '1') for (const s of shards) await databases.shard(s).raw('DROP TABLE IF EXISTS records_part');
    await databases.destroy();
  }
}

/** records → records_part (plain copy), then records_part converted by the migration's function; each timed. */
async function convert(databases: ShardDatabases, shards: number[]): Promise<void> {
  for (const s of shards) {
    const db = databases.shard(s);
    const [[exists]] = (await db.raw(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'records_part'`)) as unknown as [[{ n: number }]];
    if (Number(exists.n) > 0 && (await isPartitioned(db, 'records_part'))) continue;
    if (await isPartitioned(db, 'records')) {
      // A load migrated with 0006 (history in p_before): the unpartitioned baseline is made first.
      const t = performance.now();
      await db.raw('ALTER TABLE records REMOVE PARTITIONING');
      console.log(`  shard ${s}: records was partitioned; REMOVE PARTITIONING ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    await db.raw('DROP TABLE IF EXISTS records_part');
    await db.raw('CREATE TABLE records_part LIKE records');
    let t = performance.now();
    await db.raw('INSERT INTO records_part SELECT * FROM records');
    const copy = (performance.now() - t) / 1000;
    const [[count]] = (await db.raw('SELECT COUNT(*) AS n FROM records_part')) as unknown as [[{ n: number }]];
    t = performance.now();
    const months = await partitionRecordsByMonth(db, new Date(), 'records_part');
    const alter = (performance.now() - t) / 1000;
    await db.raw('ANALYZE TABLE records, records_part');
    console.log(
      `  shard ${s}: ${fmt(Number(count.n))} rows; plain copy (INSERT … SELECT) ${copy.toFixed(1)} s; partitionRecordsByMonth (ALTER … PARTITION BY, a table copy) ${alter.toFixed(1)} s = ` +
        `${fmt(Number(count.n) / alter)} rows/s, ${months?.length} monthly partitions (${(await listRecordPartitions(db, 'records_part')).slice(0, 1)}…)`,
    );
  }
}

async function lookup(reader: MysqlRecordStateReader, router: SlotMapShardRouter, sample: SampledRecord): Promise<unknown> {
  return reader.get(router.shardFor(sample.businessId), sample.businessId, sample.id);
}

/** The id of the `depth`-th row of a business newest-first: the cursor of page depth / PAGE + 1. */
async function cursorOf(databases: ShardDatabases, shard: number, businessId: string, depth: number): Promise<string> {
  const [rows] = await databases
    .shard(shard)
    .raw('SELECT CAST(id AS CHAR) AS id FROM records FORCE INDEX (idx_business_time) WHERE business_id = ? ORDER BY created_time DESC, id DESC LIMIT 1 OFFSET ?', [businessId, depth - 1]);
  return (rows as Array<{ id: string }>)[0].id;
}

async function closedLoop(reader: MysqlRecordStateReader, kind: QueryKind, seconds: number): Promise<number[]> {
  const until = performance.now() + seconds * 1000;
  const out: number[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await kind.call(reader, i++);
        out.push(performance.now() - t);
      }
    }),
  );
  return out;
}

function cpuOf(runs: Array<{ calls: number; seconds: number; usage: Array<{ name: string; percent: number }> }>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const run of runs) for (const [name, us] of Object.entries(cpuPerUnit(run.usage, run.seconds, run.calls))) sum[name] = (sum[name] ?? 0) + us / runs.length;
  return sum;
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
