import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { validatingFront } from '../analytics/analytics.contract';
import { ClickHouseAnalytics } from '../analytics/clickhouse-analytics.adapter';
import { DailyRollup } from '../rollup/daily-rollup';
import { ClickHouseProjectionSink } from '../sink/clickhouse-projection.sink';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase, EnvelopeFactory } from '../testing/clickhouse-test-database';
import { dropExpiredPartitions } from './clickhouse-retention';

/*
 * Retention drops whole partitions past each class's months: the raw tables' first (closed days
 * still answered by the rollup), the rollup's when it has its own retention — the partial runs'
 * table included, whose partitions are per (day, run) rather than per month.
 */
describe('ClickHouse retention (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;
  const NOW = new Date('2026-12-02T10:00:00Z'); // 13 months kept: 2025-11 on
  const DAYS = { whole: '2025-10-05', partial: '2025-10-06', kept: '2026-11-20', keptPartial: '2026-11-21' };
  afterAll(() => db?.drop());

  it('drops the raw months past retention (the rollup still answers them), then the rollup\'s, partial runs included', async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database, { now: () => new Date('2025-01-01T00:00:00Z') });
    await sink.prepare();
    const rollup = new DailyRollup(db.gateway, db.config.database);
    await rollup.prepare();
    const f = new EnvelopeFactory();
    const events = Object.values(DAYS).map((day, i) =>
      f.event({ type: 'RecordCreated', recordId: f.recordId(new Date(`${day}T03:00:00Z`)), businessId: 'b-1', userId: String(7 + i), version: 1, at: `${day}T03:00:00.000Z` }),
    );
    expect(await sink.apply(events)).toEqual([]);
    await rollup.rollDay(DAYS.whole);
    await rollup.rollDay(DAYS.partial, 12 * 60);
    await rollup.rollDay(DAYS.kept);
    await rollup.rollDay(DAYS.keptPartial, 6 * 60);
    const analytics = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database));
    const created = async () => {
      const months = [['2025-10-01', '2025-10-31'], ['2026-11-01', '2026-11-30']];
      const buckets = await Promise.all(months.map(([from, to]) => analytics.growth({ from, to, interval: 'month' })));
      return buckets.flatMap((g) => g.buckets.filter((b) => b.records_created > 0).map((b) => [b.period_start, b.records_created]));
    };
    const partitions = async () =>
      (await db.gateway.select<{ t: string; p: string }>(`SELECT DISTINCT table AS t, partition AS p FROM system.parts WHERE active AND database = '${db.config.database}' ORDER BY t, p`)).map((r) => `${r.t} ${r.p}`);
    const before = await partitions();
    expect(before).toEqual(expect.arrayContaining(['record_events 202510', 'daily_business_rollup 202510', `daily_business_rollup_slots ('${DAYS.partial}',${(await rollup.usableRuns(DAYS.partial, DAYS.partial)).get(DAYS.partial)?.runId})`]));
    expect(await created()).toEqual([['2025-10-01', 2], ['2026-11-01', 2]]);

    const raw = await dropExpiredPartitions(db.gateway, db.config.database, { rawMonths: 13, rollupMonths: 0 }, NOW);
    expect(raw.map((d) => `${d.table} ${d.partition}`).sort()).toEqual(['record_events 202510', 'records_latest 202510']);
    expect(await created()).toEqual([['2025-10-01', 2], ['2026-11-01', 2]]); // from the rollup alone (the partial day's later hours: no raw events left)

    const all = await dropExpiredPartitions(db.gateway, db.config.database, { rawMonths: 13, rollupMonths: 13 }, NOW);
    expect(all.map((d) => d.table).sort()).toEqual(['daily_business_rollup', 'daily_business_rollup_slots', 'daily_rollup_runs']);
    const after = await partitions();
    expect(after.filter((p) => p.includes('2025-10') || p.includes('202510'))).toEqual([]);
    expect(after).toEqual(before.filter((p) => !p.includes('2025-10') && !p.includes('202510')));
    expect(await created()).toEqual([['2026-11-01', 2]]);
    expect(await dropExpiredPartitions(db.gateway, db.config.database, { rawMonths: 13, rollupMonths: 13 }, NOW)).toEqual([]);
  }, 60_000);
});
