import type { z } from 'zod';
import { validate } from '@shardline/errors';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { activeUsersQuerySchema, growthQuerySchema, hotBusinessesQuerySchema, recordsPerDayQuerySchema, type RecordAnalytics } from '@shardline/read-models';
import type { ClickHouseGateway } from '../clickhouse-gateway';
import { DAILY_VIEW, liveTables } from '../schema/analytics-tables';
import { sqlQualifiedName, sqlString } from '../sql/sql-literals';
import { ClickHouseProjectionSink } from '../sink/clickhouse-projection.sink';
import { EnvelopeFactory, shuffled } from '../testing/clickhouse-test-database';
import { ClickHouseAnalytics } from './clickhouse-analytics.adapter';
import { DailyRollup } from '../rollup/daily-rollup';
import { readModelFingerprint } from '../verification/read-model-fingerprint';

// Expected rows of the dataset, shared with engine-specific specs.
export const dayA1 = { business_id: 'A', day: '2026-01-01', records_created: 2, records_updated: 1, records_deleted: 0, events: 3, active_users: 2 };
export const dayB1 = { business_id: 'B', day: '2026-01-01', records_created: 1, records_updated: 0, records_deleted: 0, events: 1, active_users: 1 };

/** The adapter receives validated queries: parse them as the query API does, so defaults come from the port's schemas. */
export function validatingFront(analytics: RecordAnalytics) {
  return {
    recordsPerBusinessPerDay: (input: z.input<typeof recordsPerDayQuerySchema>) => analytics.recordsPerBusinessPerDay(validate(recordsPerDayQuerySchema, input)),
    hotBusinesses: (input: z.input<typeof hotBusinessesQuerySchema>) => analytics.hotBusinesses(validate(hotBusinessesQuerySchema, input)),
    growth: (input: z.input<typeof growthQuerySchema>) => analytics.growth(validate(growthQuerySchema, input)),
    activeUsers: (input: z.input<typeof activeUsersQuerySchema>) => analytics.activeUsers(validate(activeUsersQuerySchema, input)),
  };
}

export interface ContractEngine {
  gateway: ClickHouseGateway;
  database: string;
  drop(): Promise<void>;
}

/**
 * The analytics behaviour every supported ClickHouse must show (18.16 server, current ClickHouse
 * via chDB). A known dataset (business A, B, C; users 1..5), every event delivered twice in
 * shuffled batches: each answer below is what a single in-order delivery would give.
 */
export function describeAnalyticsContract(engineName: string, open: () => Promise<ContractEngine>): void {
  describe(`analytics on ${engineName}`, () => {
    let db: ContractEngine;
    let adapter: ClickHouseAnalytics;
    let analytics: ReturnType<typeof validatingFront>;

    beforeAll(async () => {
      db = await open();
      const sink = new ClickHouseProjectionSink(db.gateway, db.database);
      await sink.prepare();
      const events = dataset();
      const deliveries = shuffled([...events, ...events], 3);
      for (let i = 0; i < deliveries.length; i += 5) expect(await sink.apply(deliveries.slice(i, i + 5))).toEqual([]);
      adapter = new ClickHouseAnalytics(db.gateway, db.database);
      analytics = validatingFront(adapter);
    });
    afterAll(() => db?.drop());

    const dayA2 = { business_id: 'A', day: '2026-01-02', records_created: 1, records_updated: 0, records_deleted: 1, events: 2, active_users: 2 };
    const dayB2 = { business_id: 'B', day: '2026-01-02', records_created: 2, records_updated: 1, records_deleted: 0, events: 3, active_users: 1 };
    const dayA8 = { business_id: 'A', day: '2026-01-08', records_created: 1, records_updated: 1, records_deleted: 0, events: 2, active_users: 1 };

    it('records per business per day, without duplicates, filtered and truncated', async () => {
      expect(await analytics.recordsPerBusinessPerDay({ from: '2026-01-01', to: '2026-01-31' })).toEqual({
        from: '2026-01-01',
        to: '2026-01-31',
        rows: [dayA1, dayB1, dayA2, dayB2, dayA8],
        truncated: false,
      });
      expect((await analytics.recordsPerBusinessPerDay({ from: '2026-01-01', to: '2026-01-31', business_id: 'A' })).rows).toEqual([dayA1, dayA2, dayA8]);
      expect(await analytics.recordsPerBusinessPerDay({ from: '2026-01-01', to: '2026-01-31', limit: 2 })).toMatchObject({ rows: [dayA1, dayB1], truncated: true });
      expect((await analytics.recordsPerBusinessPerDay({ from: '2026-01-02', to: '2026-01-02' })).rows).toEqual([dayA2, dayB2]);
    });

    it('the analysts daily view agrees with the endpoint query', async () => {
      const view = sqlQualifiedName(db.database, DAILY_VIEW);
      const rows = await db.gateway.select<Record<string, string | number>>(
        `SELECT business_id, day, records_created, records_updated, records_deleted, events, active_users FROM ${view} WHERE day >= toDate('2026-01-01') AND day <= toDate('2026-01-31') ORDER BY day, business_id`,
      );
      expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'business_id' || k === 'day' ? v : Number(v)])))).toEqual([dayA1, dayB1, dayA2, dayB2, dayA8]);
    });

    it('hot businesses by events and by new records', async () => {
      const range = { from: '2026-01-01', to: '2026-02-28' };
      expect((await analytics.hotBusinesses({ ...range, by: 'events' })).businesses).toEqual([
        { business_id: 'A', events: 7, records_created: 4 },
        { business_id: 'B', events: 6, records_created: 5 },
      ]);
      expect((await analytics.hotBusinesses({ ...range, by: 'records_created', limit: 1 })).businesses).toEqual([{ business_id: 'B', events: 6, records_created: 5 }]);
      expect((await analytics.hotBusinesses({ from: '2025-12-31', to: '2025-12-31' })).businesses).toEqual([{ business_id: 'C', events: 1, records_created: 1 }]);
    });

    it('growth per week and per month with running totals and empty buckets', async () => {
      expect(await analytics.growth({ from: '2026-01-01', to: '2026-01-14', interval: 'week', business_id: 'A' })).toEqual({
        from: '2026-01-01',
        to: '2026-01-14',
        interval: 'week',
        buckets: [
          { period_start: '2025-12-29', records_created: 3, records_deleted: 1, net: 2, cumulative_created: 3, cumulative_net: 2 },
          { period_start: '2026-01-05', records_created: 1, records_deleted: 0, net: 1, cumulative_created: 4, cumulative_net: 3 },
          { period_start: '2026-01-12', records_created: 0, records_deleted: 0, net: 0, cumulative_created: 4, cumulative_net: 3 },
        ],
      });
      expect((await analytics.growth({ from: '2026-01-01', to: '2026-02-28', interval: 'month' })).buckets).toEqual([
        { period_start: '2026-01-01', records_created: 7, records_deleted: 1, net: 6, cumulative_created: 7, cumulative_net: 6 },
        { period_start: '2026-02-01', records_created: 2, records_deleted: 0, net: 2, cumulative_created: 9, cumulative_net: 8 },
      ]);
      const daily = await analytics.growth({ from: '2026-01-01', to: '2026-01-03' });
      expect(daily.buckets.map((b) => [b.period_start, b.records_created])).toEqual([['2026-01-01', 3], ['2026-01-02', 3], ['2026-01-03', 0]]);
    });

    it('active users per day, distinct across businesses and over the range', async () => {
      expect(await analytics.activeUsers({ from: '2026-01-01', to: '2026-01-03' })).toEqual({
        from: '2026-01-01',
        to: '2026-01-03',
        days: [
          { day: '2026-01-01', active_users: 2 },
          { day: '2026-01-02', active_users: 3 },
          { day: '2026-01-03', active_users: 0 },
        ],
        total_active_users: 3,
        total_method: 'estimate',
      });
      expect(await analytics.activeUsers({ from: '2026-01-01', to: '2026-01-03', total: 'exact' })).toMatchObject({ total_active_users: 3, total_method: 'exact' });
      expect(await analytics.activeUsers({ from: '2026-01-01', to: '2026-01-03', business_id: 'B' })).toMatchObject({
        days: [
          { day: '2026-01-01', active_users: 1 },
          { day: '2026-01-02', active_users: 1 },
          { day: '2026-01-03', active_users: 0 },
        ],
        total_active_users: 2,
      });
      expect(await analytics.activeUsers({ from: '2026-01-01', to: '2026-01-08', business_id: 'B', total: 'exact' })).toMatchObject({ total_active_users: 2, total_method: 'exact' });
    });

    it('never renders a value that skipped validation (a bug of ours, not a 400), and a hostile business id is just a value', async () => {
      const bug = expect.objectContaining({ code: 'SQL.INVALID_LITERAL', kind: 'internal' });
      await expect(adapter.recordsPerBusinessPerDay({ from: '2026-02-30', to: '2026-03-01', limit: 10 })).rejects.toThrow(bug);
      await expect(adapter.growth({ from: '2026-01-01', to: '2026-01-03', interval: 'hour' as 'day' })).rejects.toThrow(bug);
      await expect(adapter.hotBusinesses({ from: '2026-01-01', to: '2026-01-03', by: 'events', limit: 1001 })).rejects.toThrow(bug);
      const hostile = { from: '2026-01-01', to: '2026-01-31', business_id: "A' OR business_id != '" };
      expect((await analytics.recordsPerBusinessPerDay(hostile)).rows).toEqual([]);
    });

    it('renders hostile strings as literals the engine reads back unchanged', async () => {
      const hostile = ["'", "\\'; DROP DATABASE x; --", 'a\\b', 'nul\0byte', 'ctl\x01\x1f\x7f', 'line\nbreak\ttab\r', '🙂 中文', '\u2028', ''];
      const [echo] = await db.gateway.select<Record<string, string>>(`SELECT ${hostile.map((s, i) => `${sqlString(s)} AS v${i}`).join(', ')}`);
      expect(hostile.map((_, i) => echo[`v${i}`])).toEqual(hostile);
    });

    it('counts a move as a record created in its new business and deleted in its old one, in the endpoints and the view alike', async () => {
      const f = new EnvelopeFactory();
      const [source, copy] = [f.recordId(new Date('2026-03-01T00:00:00Z')), f.recordId(new Date('2026-03-02T00:00:00Z'))];
      const sink = new ClickHouseProjectionSink(db.gateway, db.database);
      const moved = [
        f.event({ type: 'RecordCreated', recordId: source, businessId: 'M', userId: '6', version: 1, at: '2026-03-01T01:00:00.000Z' }),
        f.event({ type: 'RecordMovedOut', recordId: source, businessId: 'M', userId: '6', version: 2, at: '2026-03-02T01:00:00.000Z' }),
        f.event({ type: 'RecordMovedIn', recordId: copy, businessId: 'N', userId: '6', version: 1, at: '2026-03-02T01:00:00.000Z' }),
      ];
      expect(await sink.apply([...moved, ...moved])).toEqual([]);
      const day = (business_id: string, d: string, created: number, deleted: number) => ({ business_id, day: d, records_created: created, records_updated: 0, records_deleted: deleted, events: 1, active_users: 1 });
      const expected = [day('M', '2026-03-01', 1, 0), day('M', '2026-03-02', 0, 1), day('N', '2026-03-02', 1, 0)];
      expect((await analytics.recordsPerBusinessPerDay({ from: '2026-03-01', to: '2026-03-31' })).rows).toEqual(expected);
      const rows = await db.gateway.select<Record<string, string | number>>(
        `SELECT business_id, day, records_created, records_updated, records_deleted, events, active_users FROM ${sqlQualifiedName(db.database, DAILY_VIEW)} WHERE day >= toDate('2026-03-01') AND day <= toDate('2026-03-31') ORDER BY day, business_id`,
      );
      expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'business_id' || k === 'day' ? v : Number(v)])))).toEqual(expected);
      const net = async (business_id: string) => (await analytics.growth({ from: '2026-03-01', to: '2026-03-31', interval: 'month', business_id })).buckets[0].net;
      expect([await net('M'), await net('N')]).toEqual([0, 1]);
    });

    it('answers from the daily rollup — a day whole, a day up to an hour and the rest of it raw — what the raw events answer', async () => {
      const raw = validatingFront(new ClickHouseAnalytics(db.gateway, db.database, { useRollup: false }));
      const rollup = new DailyRollup(db.gateway, db.database);
      // The sink (real clock) marked these old days as it wrote them: a run is usable from the next second on.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await rollup.rollDay('2026-01-01');
      await rollup.rollDay('2026-01-02', 3 * 60); // its events of 01:00 rolled; of 03:00 and 05:00 (B's user 4 again) raw
      const runs = await rollup.usableRuns('2026-01-01', '2026-01-02');
      expect(Object.fromEntries([...runs].map(([day, run]) => [day, run.throughMinute]))).toEqual({ '2026-01-01': 1440, '2026-01-02': 180 });
      const range = { from: '2026-01-01', to: '2026-01-03' };
      const ask = async (a: typeof raw) => [
        await a.recordsPerBusinessPerDay({ ...range, limit: 100 }),
        await a.recordsPerBusinessPerDay({ ...range, business_id: 'B' }),
        await a.hotBusinesses(range),
        await a.growth(range),
        await a.growth({ ...range, business_id: 'A' }),
        ...(await Promise.all((['estimate', 'exact'] as const).flatMap((total) => [a.activeUsers({ ...range, total }), a.activeUsers({ ...range, total, business_id: 'B' })]))),
      ];
      expect(await ask(analytics)).toEqual(await ask(raw));
      expect((await analytics.recordsPerBusinessPerDay({ from: '2026-01-02', to: '2026-01-02', business_id: 'B' })).rows).toEqual([dayB2]);
    });

    it('hot businesses keep the rolled days\' sums by their runs: a repeated range reads only its raw part, new events count at once, a new run is read again', async () => {
      const f = new EnvelopeFactory();
      const sink = new ClickHouseProjectionSink(db.gateway, db.database);
      const write = async (business: string, at: string, n: number) => {
        const events = Array.from({ length: n }, () => f.event({ type: 'RecordCreated', recordId: f.recordId(new Date(at)), businessId: business, userId: '9', version: 1, at }));
        expect(await sink.apply([...events, ...events])).toEqual([]);
      };
      await write('P', '2026-04-01T10:00:00.000Z', 3);
      await write('Q', '2026-04-01T11:00:00.000Z', 2);
      await write('🙂', '2026-04-01T12:00:00.000Z', 2); // ties Q: ids in code point order ('Q' < '🙂'), as ClickHouse orders bytes
      await write('\uFF5E', '2026-04-01T12:00:00.000Z', 2); // U+FF5E sorts before U+1F642 by code point, after it in UTF-16 units
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a run is usable from the second after the sink's marks
      const rollup = new DailyRollup(db.gateway, db.database);
      await rollup.rollDay('2026-04-01');
      const sent: string[] = [];
      const counting: ClickHouseGateway = { ...db.gateway, select: (sql) => (sent.push(sql), db.gateway.select(sql)) };
      const kept = validatingFront(new ClickHouseAnalytics(counting, db.database));
      const raw = validatingFront(new ClickHouseAnalytics(db.gateway, db.database, { useRollup: false }));
      const range = { from: '2026-04-01', to: '2026-04-03', limit: 10 };
      const rollupReads = () => sent.filter((sql) => /daily_business_rollup(?!_)/.test(sql)).length;
      const same = async () => {
        const answers = [await kept.hotBusinesses(range), await kept.hotBusinesses({ ...range, by: 'records_created', limit: 2 })];
        expect(answers).toEqual([await raw.hotBusinesses(range), await raw.hotBusinesses({ ...range, by: 'records_created', limit: 2 })]);
        return answers[0].businesses.map((b) => `${b.business_id}=${b.events}`);
      };

      expect(await same()).toEqual(['P=3', 'Q=2', '\uFF5E=2', '🙂=2']);
      expect(rollupReads()).toBe(1); // both orders, one read of the day's run
      await write('Q', '2026-04-02T09:00:00.000Z', 2); // a raw day
      expect(await same()).toEqual(['Q=4', 'P=3', '\uFF5E=2', '🙂=2']);
      expect(rollupReads()).toBe(1);
      await write('P', '2026-04-01T13:00:00.000Z', 2); // late: marks the rolled day, its run is void
      expect(await same()).toEqual(['P=5', 'Q=4', '\uFF5E=2', '🙂=2']);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await rollup.rollDay('2026-04-01'); // a new run of the day: new sums, read once
      expect(await same()).toEqual(['P=5', 'Q=4', '\uFF5E=2', '🙂=2']);
      expect(await same()).toEqual(['P=5', 'Q=4', '\uFF5E=2', '🙂=2']);
      expect(rollupReads()).toBe(2);
    });

    it('promote swaps a rebuilt table set in (RENAME of several tables in one statement)', async () => {
      const sink = new ClickHouseProjectionSink(db.gateway, db.database);
      const target = await sink.createRebuildTarget('contract');
      expect(await target.apply(dataset().slice(0, 3))).toEqual([]);
      await sink.beginHandover('contract');
      await sink.promote('contract');
      const [row] = await db.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${liveTables(db.database).events} FINAL`);
      expect(Number(row.n)).toBe(3);
      expect(await readModelFingerprint(db.gateway, liveTables(db.database))).toMatchObject({ events: 3, records: 2, liveRecords: 2, eventsHash: expect.stringMatching(/^\d+$/) });
    });
  });
}

export function dataset(): RecordEventEnvelope[] {
  const f = new EnvelopeFactory();
  const at = (day: string, n: number) => `${day}T0${n}:00:00.000Z`;
  const rec = (day: string) => f.recordId(new Date(`${day}T00:00:00Z`));
  const [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10] = ['2026-01-01', '2026-01-01', '2026-01-02', '2026-01-08', '2026-01-01', '2026-01-02', '2026-01-02', '2026-02-01', '2025-12-31', '2026-02-01'].map(rec);
  const c = (recordId: string, businessId: string, userId: string, day: string) => f.event({ type: 'RecordCreated', recordId, businessId, userId, version: 1, at: at(day, 1) });
  return [
    c(r1, 'A', '1', '2026-01-01'),
    c(r2, 'A', '2', '2026-01-01'),
    f.event({ type: 'RecordUpdated', recordId: r1, businessId: 'A', userId: '1', version: 2, at: at('2026-01-01', 2) }),
    c(r3, 'A', '1', '2026-01-02'),
    f.event({ type: 'RecordDeleted', recordId: r2, businessId: 'A', userId: '2', version: 2, at: at('2026-01-02', 3) }),
    c(r4, 'A', '3', '2026-01-08'),
    f.event({ type: 'RecordUpdated', recordId: r4, businessId: 'A', userId: '3', version: 2, at: at('2026-01-08', 2) }),
    c(r5, 'B', '1', '2026-01-01'),
    c(r6, 'B', '4', '2026-01-02'),
    c(r7, 'B', '4', '2026-01-02'),
    f.event({ type: 'RecordUpdated', recordId: r6, businessId: 'B', userId: '4', version: 2, at: at('2026-01-02', 5) }),
    c(r8, 'B', '5', '2026-02-01'),
    c(r10, 'B', '5', '2026-02-01'),
    c(r9, 'C', '9', '2025-12-31'),
  ];
}
