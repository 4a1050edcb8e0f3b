/**
 * Year-wide analytics from the daily rollup vs from the raw events, on the real schema and the real
 * adapter (`ClickHouseAnalytics` with and without `useRollup`), same run, same data: a year of events
 * filled server-side (INSERT … SELECT FROM numbers; 1,000 businesses, 60% of the events on 5 hot ones,
 * 100,000 users, 5% of the events inserted again as duplicates in separate parts), every day rolled up
 * (`DailyRollup.rollDay`, timed), then each endpoint over 365 days: median of 5 runs each way, and
 * a check that both answers are equal.
 *
 *   flock /tmp/bench.lock scripts/with-node tsx bench/clickhouse-rollup/main.ts [events=3650000]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import {
  ClickHouseAnalytics,
  ClickHouseProjectionSink,
  clickHouseConfigFromEnv,
  createClickHouseGateway,
  DailyRollup,
  liveTables,
  sqlIdentifier,
  sqlInt,
} from '@shardline/projection-clickhouse';
import type { RecordAnalytics } from '@shardline/read-models';

const FROM = '2026-01-01';
const TO = '2026-12-31';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 3_650_000);
  const config = { ...clickHouseConfigFromEnv(process.env), database: `bench_${randomBytes(4).toString('hex')}`, requestTimeoutMs: 600_000 };
  const ch = createClickHouseGateway(config);
  const t = liveTables(config.database);
  try {
    await new ClickHouseProjectionSink(ch, config.database).prepare();
    const blocks = 10;
    const perBlock = Math.floor(total / blocks);
    for (let b = 0; b < blocks; b++) {
      await ch.command(`INSERT INTO ${t.events} (business_id, occurred_at, stream_id, stream_version, event_id, event_type, schema_version, record_id, user_id, shard, position, correlation_id, causation_id, actor, data)
SELECT if(n % 10 < 6, concat('hot-', toString(n % 5)), concat('tail-', toString(intHash32(n) % 995))),
  toDateTime('2026-01-01 00:00:00', 'UTC') + toUInt32(n * (365 * 86400) / ${sqlInt(total)}),
  concat('record-', toString(n)), toUInt32(1 + (n % 7 = 0)), concat('e', toString(n)),
  multiIf(n % 7 = 0, 'RecordUpdated', n % 31 = 0, 'RecordDeleted', 'RecordCreated'), 1, n + 1, intHash32(n * 3) % 100000 + 1, 0, n, '', '', '', '{}'
FROM (SELECT number + ${sqlInt(b * perBlock)} AS n FROM system.numbers LIMIT ${sqlInt(perBlock)})`);
    }
    await ch.command(`INSERT INTO ${t.events} SELECT * FROM ${t.events} WHERE record_id % 20 = 0`);
    const [raw] = await ch.select<{ n: string }>(`SELECT count() AS n FROM ${t.events}`);
    console.log(`raw rows (incl. 5% duplicates): ${raw.n}, ${FROM} .. ${TO}`);

    const rollup = new DailyRollup(ch, config.database);
    const started = performance.now();
    for (let d = Date.parse(`${FROM}T00:00:00Z`); d <= Date.parse(`${TO}T00:00:00Z`); d += 86_400_000) await rollup.rollDay(new Date(d).toISOString().slice(0, 10));
    const rollMs = performance.now() - started;
    const [rolled] = await ch.select<{ n: string; bytes: string }>(
      `SELECT sum(rows) AS n, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE active AND database = '${config.database}' AND table = 'daily_business_rollup'`,
    );
    const [rawSize] = await ch.select<{ bytes: string }>(`SELECT sum(data_compressed_bytes) AS bytes FROM system.parts WHERE active AND database = '${config.database}' AND table = 'record_events'`);
    console.log(`rolled 365 days in ${(rollMs / 1000).toFixed(1)} s (${(rollMs / 365).toFixed(0)} ms/day); rollup ${rolled.n} rows, ${(Number(rolled.bytes) / 1e6).toFixed(1)} MB compressed vs raw ${(Number(rawSize.bytes) / 1e6).toFixed(1)} MB`);

    const withRollup = new ClickHouseAnalytics(ch, config.database);
    const rawOnly = new ClickHouseAnalytics(ch, config.database, { useRollup: false });
    const queries: Array<[string, (a: RecordAnalytics) => Promise<unknown>]> = [
      ['records per day, one hot business, 365 days', (a) => a.recordsPerBusinessPerDay({ from: FROM, to: TO, business_id: 'hot-1', limit: 1000 })],
      ['records per day, all businesses, 365 days (limit 10,000)', (a) => a.recordsPerBusinessPerDay({ from: FROM, to: TO, limit: 10_000 })],
      ['hot businesses, 365 days', (a) => a.hotBusinesses({ from: FROM, to: TO, by: 'events', limit: 10 })],
      ['growth by month, all businesses, 365 days', (a) => a.growth({ from: FROM, to: TO, interval: 'month' })],
      ['active users, one tail business, 365 days, exact', (a) => a.activeUsers({ from: FROM, to: TO, business_id: 'tail-7', total: 'exact' })],
      ['active users, all businesses, 365 days, exact', (a) => a.activeUsers({ from: FROM, to: TO, total: 'exact' })],
      ['active users, all businesses, 365 days, estimate', (a) => a.activeUsers({ from: FROM, to: TO, total: 'estimate' })],
    ];
    console.log('\n| query | raw events, median ms | rollup, median ms | raw / rollup | same answer |\n|---|---|---|---|---|');
    for (const [label, run] of queries) {
      const rawMs = await median(() => run(rawOnly));
      const rollupMs = await median(() => run(withRollup));
      const same = isDeepStrictEqual(await run(rawOnly), await run(withRollup));
      console.log(`| ${label} | ${rawMs.toFixed(0)} | ${rollupMs.toFixed(0)} | ${(rawMs / rollupMs).toFixed(1)}x | ${same ? 'yes' : 'NO'} |`);
      if (!same) process.exitCode = 1;
    }
  } finally {
    await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(config.database)}`).catch(() => undefined);
    await ch.close();
  }
}

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2];
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
