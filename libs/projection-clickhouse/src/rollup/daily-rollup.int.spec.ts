import type { RecordEventEnvelope } from '@shardline/integration-events';
import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { ClickHouseAnalytics } from '../analytics/clickhouse-analytics.adapter';
import { validatingFront } from '../analytics/analytics.contract';
import { ClickHouseUserErasure } from '../erasure/clickhouse-user.erasure';
import { liveTables } from '../schema/analytics-tables';
import { ClickHouseProjectionSink } from '../sink/clickhouse-projection.sink';
import { mapBatch } from '../sink/event-rows';
import { sqlUInt64 } from '../sql/sql-literals';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase, EnvelopeFactory, shuffled } from '../testing/clickhouse-test-database';
import { DailyRollup, WHOLE_RUNS_PRUNE_SHARE } from './daily-rollup';
import { ROLLUP_SLOT_MINUTES, ROLLUP_SLOTS_TABLE, ROLLUP_TABLE } from './rollup-tables';
import { newRunId, runStartOf } from './run-ids';

/*
 * The daily rollup answers exactly what the raw events answer: a generated month and a half of
 * events (hot businesses and a long tail, users shared across businesses, updates, deletes, moves,
 * every event delivered twice in shuffled batches), every endpoint asked over many ranges with the
 * rollup and with the raw table only; then what changes a rolled day — a late event, an erasure, a
 * rebuild's swap — and the job that rolls settled days.
 */
const DAYS = Array.from({ length: 45 }, (_, i) => new Date(Date.UTC(2026, 0, 20 + i)).toISOString().slice(0, 10)); // 2026-01-20 .. 2026-03-05
const BUSINESSES = ['hot-1', 'hot-2', ...Array.from({ length: 12 }, (_, i) => `tail-${i}`)];

function generated(f: EnvelopeFactory): RecordEventEnvelope[] {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const out: RecordEventEnvelope[] = [];
  for (const day of DAYS) {
    for (let i = 0; i < 30; i++) {
      const business = rand(3) === 0 ? BUSINESSES[2 + rand(12)] : BUSINESSES[rand(2)];
      const userId = String(1 + rand(25));
      const hour = String(rand(24)).padStart(2, '0');
      const recordId = f.recordId(new Date(`${day}T${hour}:00:00Z`));
      const at = (min: number) => `${day}T${hour}:${String(min).padStart(2, '0')}:00.000Z`;
      out.push(f.event({ type: rand(10) === 0 ? 'RecordMovedIn' : 'RecordCreated', recordId, businessId: business, userId, version: 1, at: at(1) }));
      if (rand(3) === 0) out.push(f.event({ type: 'RecordUpdated', recordId, businessId: business, userId, version: 2, at: at(2) }));
      if (rand(5) === 0) out.push(f.event({ type: rand(2) ? 'RecordDeleted' : 'RecordMovedOut', recordId, businessId: business, userId, version: 3, at: at(3) }));
    }
  }
  return out;
}

/** Mutations are applied in the background (18.16): waits until the database has none pending. */
async function untilMutationsDone(db: ClickHouseTestDatabase): Promise<void> {
  for (;;) {
    const [{ pending }] = await db.gateway.select<{ pending: string }>(`SELECT count() AS pending FROM system.mutations WHERE database = '${db.config.database}' AND is_done = 0`);
    if (Number(pending) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const RANGES = [
  ['2026-01-20', '2026-03-05'],
  ['2026-01-01', '2026-12-31'],
  ['2026-01-25', '2026-02-03'],
  ['2026-02-28', '2026-03-01'],
  ['2026-03-04', '2026-03-10'],
];

describe('daily rollup (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;
  let rollup: DailyRollup;
  let withRollup: ReturnType<typeof validatingFront>;
  let rawOnly: ReturnType<typeof validatingFront>;
  const f = new EnvelopeFactory();

  /** Every endpoint over every range, by business or not: [label, answer]. */
  async function answers(a: ReturnType<typeof validatingFront>): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const [from, to] of RANGES) {
      out.push(await a.recordsPerBusinessPerDay({ from, to, limit: 10_000 }));
      out.push(await a.recordsPerBusinessPerDay({ from, to, business_id: 'hot-1' }));
      out.push(await a.hotBusinesses({ from, to, by: 'events', limit: 20 }));
      out.push(await a.hotBusinesses({ from, to, by: 'records_created', limit: 3 }));
      for (const interval of ['day', 'week', 'month'] as const) out.push(await a.growth({ from, to, interval }));
      out.push(await a.growth({ from, to, interval: 'week', business_id: 'tail-3' }));
      for (const total of ['estimate', 'exact'] as const) {
        out.push(await a.activeUsers({ from, to, total }));
        out.push(await a.activeUsers({ from, to, business_id: 'hot-2', total }));
      }
    }
    return out;
  }
  const expectSameAnswers = async () => expect(await answers(withRollup)).toEqual(await answers(rawOnly));
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));
  const rowsOf = async (table: string, day: string, runId?: string) => {
    const [{ n }] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE day = '${day}'${runId ? ` AND run_id = ${runId}` : ''}`);
    return Number(n);
  };
  const mutationsOf = async (table: string) => {
    const [{ n }] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM system.mutations WHERE database = '${db.config.database}' AND table = '${table}'`);
    return Number(n);
  };
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
  /** A run started after the day's dirty mark (a later second) makes the day usable again, with the same answers. */
  const rollAgainAndExpectUsable = async (day: string) => {
    await nextSecond();
    await rollup.rollDay(day);
    expect((await rollup.usableRuns(day, day)).has(day)).toBe(true);
    await expectSameAnswers();
  };

  beforeAll(async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    // The loading sink's clock is before the data: loading marks nothing dirty.
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database, { now: () => new Date('2026-01-01T00:00:00Z') });
    await sink.prepare();
    const events = generated(f);
    const deliveries = shuffled([...events, ...events], 11);
    for (let i = 0; i < deliveries.length; i += 500) expect(await sink.apply(deliveries.slice(i, i + 500))).toEqual([]);
    rollup = new DailyRollup(db.gateway, db.config.database);
    withRollup = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database));
    rawOnly = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database, { useRollup: false }));
    // Every day but the last five is rolled: the answers mix rollup and raw days.
    for (const day of DAYS.slice(0, -5)) await rollup.rollDay(day);
  }, 120_000);
  afterAll(() => db?.drop());

  it('answers every endpoint exactly as the raw events do, over ranges that mix rolled and raw days', async () => {
    expect((await rollup.usableRuns(DAYS[0], DAYS[DAYS.length - 1])).size).toBe(DAYS.length - 5);
    await expectSameAnswers();
  }, 60_000);

  it('serves rolled days from the rollup: a raw row written behind its back (no mark) does not change the answer until the day is marked', async () => {
    const day = '2026-02-10';
    const before = await withRollup.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'hot-1' });
    const recordId = f.recordId(new Date(`${day}T05:00:00Z`));
    const [row] = mapBatch([f.event({ type: 'RecordCreated', recordId, businessId: 'hot-1', userId: '99', version: 1, at: `${day}T05:00:00.000Z` })]).events;
    await db.gateway.insertRows(liveTables(db.config.database).events, [row]);
    expect(await withRollup.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'hot-1' })).toEqual(before);
    expect((await rawOnly.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'hot-1' })).rows[0].records_created).toBe(before.rows[0].records_created + 1);
    await rollup.markDirty([day]);
    await expectSameAnswers();
    await rollAgainAndExpectUsable(day);
  }, 60_000);

  it('a late event through the sink marks its day: answers stay equal to raw at once, and a new run makes the day usable again', async () => {
    const day = '2026-01-28';
    await nextSecond();
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database); // real clock: 2026-01-28 is before its today
    const recordId = f.recordId(new Date(`${day}T23:59:00Z`));
    expect(await sink.apply([f.event({ type: 'RecordCreated', recordId, businessId: 'tail-3', userId: '77', version: 1, at: `${day}T23:59:59.000Z` })])).toEqual([]);
    expect((await rollup.usableRuns(day, day)).has(day)).toBe(false);
    await expectSameAnswers();
    await rollAgainAndExpectUsable(day);
  }, 60_000);

  it('a day rolled up to an hour adds its later hours from the raw events (users counted once across the cut); only a mark from an hour it read voids it', async () => {
    const day = DAYS[DAYS.length - 2]; // not rolled by beforeAll
    const sinkAt = (time: string) => new ClickHouseProjectionSink(db.gateway, db.config.database, { now: () => new Date(`${day}T${time}Z`) });
    const created = (time: string, businessId: string, userId: string) =>
      f.event({ type: 'RecordCreated', recordId: f.recordId(new Date(`${day}T${time}Z`)), businessId, userId, version: 1, at: `${day}T${time}.000Z` });
    const marksOfDay = async () => Number((await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${rollup.tables.dirty} WHERE day = '${day}'`))[0].n);
    const runOfDay = async () => (await rollup.usableRuns(day, day)).get(day);
    // User 303 of tail-7 before the cut, rolled; the same user after the cut, raw: one active user, not two.
    expect(await sinkAt('02:40:00').apply([created('02:30:00', 'tail-7', '303')])).toEqual([]);
    await nextSecond();
    await rollup.rollDay(day, 12 * 60);
    expect(await runOfDay()).toMatchObject({ throughMinute: 720 });
    expect(await rowsOf(rollup.tables.slots, day)).toBeGreaterThan(0); // a partial run's rows are in their own table
    expect(await rowsOf(rollup.tables.rollup, day)).toBe(0);
    await expectSameAnswers();
    const marks = await marksOfDay();
    expect(await sinkAt('18:45:00').apply([created('18:42:00', 'tail-7', '303')])).toEqual([]); // of the sink's current slot (18:40–18:50): no mark
    expect(await marksOfDay()).toBe(marks);
    expect(await sinkAt('23:00:00').apply([created('15:30:00', 'hot-1', '101')])).toEqual([]); // marked from 15:30: after the run's minutes
    expect(await marksOfDay()).toBe(marks + 1);
    expect(await runOfDay()).toMatchObject({ throughMinute: 720 });
    const perDay = await withRollup.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'tail-7' });
    expect(perDay).toEqual(await rawOnly.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'tail-7' }));
    await expectSameAnswers();
    // A late event of an hour the run read: the day goes raw until a run after the mark.
    expect(await sinkAt('23:10:00').apply([created('05:30:00', 'tail-7', '304')])).toEqual([]);
    expect(await runOfDay()).toBeUndefined();
    await expectSameAnswers();
    await rollAgainAndExpectUsable(day);
    expect(await runOfDay()).toMatchObject({ throughMinute: 1440 });
  }, 60_000);

  it("a later run of a partly rolled day reads only the hours after that run's and adds them to its rows; a voided run is not built on", async () => {
    const day = DAYS[DAYS.length - 4]; // not rolled by beforeAll
    const runOfDay = async () => (await rollup.usableRuns(day, day)).get(day);
    // Rows written behind the job's back (no mark): one in an hour the first run read, one after it.
    const behindItsBack = async (time: string, userId: string) => {
      const [row] = mapBatch([f.event({ type: 'RecordCreated', recordId: f.recordId(new Date(`${day}T${time}Z`)), businessId: 'tail-9', userId, version: 1, at: `${day}T${time}.000Z` })]).events;
      await db.gateway.insertRows(liveTables(db.config.database).events, [row]);
    };
    const createdOfTail9 = async (a: ReturnType<typeof validatingFront>) => (await a.recordsPerBusinessPerDay({ from: day, to: day, business_id: 'tail-9' })).rows[0]?.records_created ?? 0;
    await nextSecond();
    await rollup.rollDay(day, 8 * 60);
    const first = (await runOfDay())!;
    await expectSameAnswers();
    await behindItsBack('05:10:00', '9001');
    await behindItsBack('10:10:00', '9002');
    await nextSecond();
    await rollup.rollDay(day, 16 * 60, first);
    expect(await runOfDay()).toMatchObject({ throughMinute: 960 });
    // Hour 10 was read, hour 5 was not read again: the rollup counts one of the two rows.
    expect(await createdOfTail9(withRollup)).toBe((await createdOfTail9(rawOnly)) - 1);
    // The whole day from the 16-hour run: its hours 16–23 only, still without the hour-5 row.
    await nextSecond();
    await rollup.rollDay(day, 24 * 60, (await runOfDay())!);
    expect(await rowsOf(rollup.tables.rollup, day)).toBeGreaterThan(0);
    expect(await createdOfTail9(withRollup)).toBe((await createdOfTail9(rawOnly)) - 1);
    // Marked (as the sink does for a late event): the day goes raw, and a run built on a run the mark voided reads every hour.
    await rollup.markMinutesDirty(new Map([[day, 5 * 60]]));
    await expectSameAnswers();
    await nextSecond();
    await rollup.rollDay(day, 20 * 60, first); // `first` was usable when the caller looked, not any more
    expect(await runOfDay()).toMatchObject({ throughMinute: 1200 });
    await expectSameAnswers();
    await nextSecond();
    await rollup.rollDay(day, 24 * 60, (await runOfDay())!);
    expect(await runOfDay()).toMatchObject({ throughMinute: 1440 });
    await expectSameAnswers();
  }, 90_000);

  it('the job rolls the day still going on up to its last settled slot, and again only once another slot has settled', async () => {
    const slotNow = () => Math.floor((Date.now() % 86_400_000) / (ROLLUP_SLOT_MINUTES * 60_000)) * ROLLUP_SLOT_MINUTES;
    const slots = [slotNow()];
    const report = await rollup.rollUp({ lookbackDays: 0, settleMs: 0 }); // no whole days: the next test counts them
    slots.push(slotNow());
    const today = new Date().toISOString().slice(0, 10);
    const run = (await rollup.usableRuns(today, today)).get(today);
    if (slots[0] === 0 && slots[1] === 0) expect(report.partial).toBeUndefined();
    else {
      // Rolled by this run, or by an earlier test's run of the job within the same slot.
      expect(slots).toContain(run?.throughMinute);
      if (report.partial) expect(report.partial).toEqual({ day: today, ...run });
      const again = await rollup.rollUp({ lookbackDays: 0, settleMs: 0 });
      if (again.partial) expect(again.partial.throughMinute).toBeGreaterThan(run!.throughMinute); // only when the slot turned in between
    }
    const unsettled = await rollup.rollUp({ lookbackDays: 0, settleMs: 25 * 3_600_000 });
    expect(unsettled.partial?.day).not.toBe(today);
    await expectSameAnswers(); // one range reaches today
  }, 60_000);

  it('an erasure forgets the user in the rollup too: their days are marked and their rollup rows deleted; answers equal raw', async () => {
    await nextSecond();
    const events = liveTables(db.config.database).events;
    const days = (await db.gateway.select<{ day: string }>(`SELECT DISTINCT toString(event_date) AS day FROM ${events} WHERE user_id = ${sqlUInt64('13')}`)).map((r) => r.day);
    const rolledRowsOf = async (table: string) => {
      const [{ n }] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE toString(day) IN (${days.map((d) => `'${d}'`).join(', ')})`);
      return Number(n);
    };
    expect(days.length).toBeGreaterThan(3);
    await rollup.rollDay(days[0], 23 * 60); // the user's ids in a partial run's rows too
    for (const table of [rollup.tables.rollup, rollup.tables.slots]) expect(await rolledRowsOf(table)).toBeGreaterThan(0);
    await new ClickHouseUserErasure(db.gateway, db.config.database, 50).eraseUser('13');
    for (const table of [rollup.tables.rollup, rollup.tables.slots]) expect(await rolledRowsOf(table)).toBe(0);
    const [{ left }] = await db.gateway.select<{ left: string }>(`SELECT count() AS left FROM ${events} WHERE user_id = ${sqlUInt64('13')}`);
    expect(Number(left)).toBe(0);
    await expectSameAnswers();
    await nextSecond();
    const report = await rollup.rollUp({ lookbackDays: 0, settleMs: 0 });
    expect(report.rolled).toEqual(expect.arrayContaining(days.filter((d) => d <= DAYS[DAYS.length - 6])));
    await expectSameAnswers();
  }, 120_000);

  it('the job rolls the settled days of its window and the dirty days before it, and nothing settled less than settleMs ago', async () => {
    const report = await rollup.rollUp({ lookbackDays: 2, settleMs: 0 });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(report.settledThrough).toBe(yesterday);
    expect(report.rolled).toEqual(expect.arrayContaining([yesterday]));
    const again = await rollup.rollUp({ lookbackDays: 2, settleMs: 0 });
    expect(again.rolled).toEqual([]);
    const unsettled = await rollup.rollUp({ lookbackDays: 2, settleMs: 3 * 86_400_000 });
    expect(unsettled.settledThrough < yesterday).toBe(true);
    const old = await rollup.rollUp({ lookbackDays: 1, settleMs: 0, earliestDay: '2030-01-01' });
    expect(old.rolled).toEqual([]);
  }, 60_000);

  it('prunes superseded runs of whole days once their rows are a tenth of the table (a DELETE rewrites all of it on 18.16), or at once when asked; answers do not change', async () => {
    const runsPerDay = async () => db.gateway.select<{ day: string; n: string }>(`SELECT toString(day) AS day, toString(uniqExact(run_id)) AS n FROM ${rollup.tables.rollup} GROUP BY day HAVING uniqExact(run_id) > 1`);
    await nextSecond();
    await rollup.rollDay(DAYS[3]); // a second run of a day whatever the earlier tests did
    expect((await runsPerDay()).length).toBeGreaterThan(0);
    const [{ share }] = await db.gateway.select<{ share: number }>(
      `SELECT countIf(day = '${DAYS[3]}') / count() AS share FROM ${rollup.tables.rollup}`,
    );
    expect(share).toBeLessThan(WHOLE_RUNS_PRUNE_SHARE); // one superseded day of ~40: kept, no mutation
    const mutations = await mutationsOf(ROLLUP_TABLE);
    await rollup.pruneSupersededRuns(inAnHour());
    expect(await mutationsOf(ROLLUP_TABLE)).toBe(mutations);
    expect(await rowsOf(rollup.tables.rollup, DAYS[3])).toBeGreaterThan(0);
    expect(await rollup.pruneSupersededRuns(inAnHour(), 0)).toBeGreaterThan(0);
    await untilMutationsDone(db);
    expect(await runsPerDay()).toEqual([]);
    await expectSameAnswers();
  }, 60_000);

  it("the current day's hourly runs go to the partial runs' table, and each one's predecessor by DROP PARTITION: no mutation, nothing rewritten", async () => {
    const day = DAYS[DAYS.length - 3]; // not rolled by beforeAll
    const partitions = async () =>
      (await db.gateway.select<{ p: string }>(`SELECT DISTINCT partition AS p FROM system.parts WHERE active AND database = '${db.config.database}' AND table = '${ROLLUP_SLOTS_TABLE}' AND partition LIKE '%${day}%'`)).length;
    const mutations = await Promise.all([ROLLUP_TABLE, ROLLUP_SLOTS_TABLE].map(mutationsOf));
    await nextSecond();
    const first = await rollup.rollDay(day, 3 * 60);
    await nextSecond();
    const second = await rollup.rollDay(day, 5 * 60);
    expect(await partitions()).toBe(2);
    expect(await rollup.pruneSupersededRuns(Math.floor(Date.now() / 1000) - 3600)).toBe(0); // within the grace: a reader may still hold the first
    expect(await rollup.pruneSupersededRuns(inAnHour())).toBeGreaterThanOrEqual(1);
    expect([await rowsOf(rollup.tables.slots, day, first), await rowsOf(rollup.tables.slots, day, second)]).toEqual([0, expect.any(Number)]);
    expect(await rowsOf(rollup.tables.slots, day, second)).toBeGreaterThan(0);
    await expectSameAnswers();
    // Partial runs whose job died before recording them (on a day with no run at all, and after the
    // latest run of this day): their rows go a day after they started, not before.
    const runAt = (onDay: string, secondsAgo: number) => newRunId(Math.floor(Date.now() / 1000) - secondsAgo, onDay, 5);
    const unrecorded: Array<[string, string]> = [[DAYS[DAYS.length - 1], runAt(DAYS[DAYS.length - 1], 2 * 86_400)], [day, runAt(day, 2 * 86_400)], [day, runAt(day, 0)]];
    for (const [onDay, run] of unrecorded) {
      await db.gateway.command(`INSERT INTO ${rollup.tables.slots} (business_id, day, run_id, records_created, records_updated, records_deleted, events, active_users, users, users_sketch)
SELECT business_id, toDate('${onDay}'), ${run}, records_created, records_updated, records_deleted, events, active_users, users, users_sketch FROM ${rollup.tables.slots} WHERE day = '${day}' AND run_id = ${second}`);
    }
    await rollup.pruneSupersededRuns(inAnHour());
    const held = await rowsOf(rollup.tables.slots, day, second);
    expect(await Promise.all(unrecorded.map(([onDay, run]) => rowsOf(rollup.tables.slots, onDay, run)))).toEqual([0, 0, held]);
    await db.gateway.command(`ALTER TABLE ${rollup.tables.slots} DROP PARTITION ('${day}', ${unrecorded[2][1]})`);
    // The whole day rolled: every partial run of it goes.
    await nextSecond();
    await rollup.rollDay(day);
    expect(await rollup.pruneSupersededRuns(inAnHour())).toBeGreaterThanOrEqual(1); // today's partial runs too, if the hour turned during the suite
    expect(await partitions()).toBe(0);
    expect(await Promise.all([ROLLUP_TABLE, ROLLUP_SLOTS_TABLE].map(mutationsOf))).toEqual(mutations);
    expect((await rollup.usableRuns(day, day)).get(day)).toMatchObject({ throughMinute: 1440 });
    await expectSameAnswers();
  }, 60_000);

  it('a run of a part of a day records through_hour 0 and keeps its rows apart (a reader in hours reads that day raw); a run in hours, the earlier format, is not used and goes once superseded', async () => {
    const day = DAYS[DAYS.length - 5]; // not rolled by beforeAll
    await nextSecond();
    const run = await rollup.rollDay(day, 9 * 60 + 40);
    const [recorded] = await db.gateway.select<{ h: number | string; m: number | string }>(`SELECT through_hour AS h, through_minute AS m FROM ${rollup.tables.runs} WHERE run_id = ${run}`);
    expect([Number(recorded.h), Number(recorded.m)]).toEqual([0, 580]);
    expect(await rowsOf(rollup.tables.slots, day, run)).toBeGreaterThan(0);
    expect(await rowsOf(rollup.tables.partial, day)).toBe(0); // where a reader in hours looks for a partial run's rows: none, so it reads the day raw
    expect((await rollup.usableRuns(day, day)).get(day)).toEqual({ runId: run, throughMinute: 580 });
    await expectSameAnswers();
    // A later run of the earlier format (through 11:00, rows in the hours' table; the rows above as its stand-in): the day goes raw.
    await nextSecond();
    const earlier = newRunId(Math.floor(Date.now() / 1000), day);
    await db.gateway.command(`INSERT INTO ${rollup.tables.partial} SELECT business_id, day, ${earlier}, records_created, records_updated, records_deleted, events, active_users, users, users_sketch FROM ${rollup.tables.slots} WHERE day = '${day}' AND run_id = ${run}`);
    await db.gateway.command(`INSERT INTO ${rollup.tables.runs} (day, run_id, started_at, through_hour) VALUES ('${day}', ${earlier}, now(), 11)`);
    expect((await rollup.usableRuns(day, day)).has(day)).toBe(false);
    await expectSameAnswers();
    await nextSecond();
    const next = await rollup.rollDay(day, 12 * 60, undefined);
    expect((await rollup.usableRuns(day, day)).get(day)).toEqual({ runId: next, throughMinute: 720 });
    await rollup.pruneSupersededRuns(inAnHour());
    expect([await rowsOf(rollup.tables.partial, day, earlier), await rowsOf(rollup.tables.slots, day, run)]).toEqual([0, 0]);
    await expectSameAnswers();
  }, 60_000);

  it("a rebuild's swap voids every run (readers go raw at once) and the job rolls them again from the new tables", async () => {
    await nextSecond();
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database);
    const target = await sink.createRebuildTarget('rollup');
    const events = generated(new EnvelopeFactory()).filter((e) => e.occurred_at < '2026-02-01');
    expect(await target.apply(events)).toEqual([]);
    await sink.beginHandover('rollup');
    await sink.promote('rollup');
    expect((await rollup.usableRuns(DAYS[0], DAYS[DAYS.length - 1])).size).toBe(0);
    await expectSameAnswers();
    await nextSecond();
    for (const day of DAYS) await rollup.rollDay(day);
    expect((await rollup.usableRuns(DAYS[0], DAYS[DAYS.length - 1])).size).toBe(DAYS.length);
    await expectSameAnswers();
  }, 120_000);
});

describe('estimated distinct users over days (the rollup\'s sketches)', () => {
  let db: ClickHouseTestDatabase;
  afterAll(() => db?.drop());

  it('is within 2 % of the exact count at 24,000 users, and the same from rolled days as from raw events', async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database, { now: () => new Date('2026-01-01T00:00:00Z') });
    await sink.prepare();
    // 3 days × 12,000 users, overlapping by half from one day to the next: 24,000 distinct in all.
    const f = new EnvelopeFactory();
    const days = ['2026-01-10', '2026-01-11', '2026-01-12'];
    const rows = days.flatMap((day, d) =>
      Array.from({ length: 12_000 }, (_, i) => {
        const at = `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`;
        return f.event({ type: 'RecordCreated', recordId: f.recordId(new Date(at)), businessId: `b-${i % 50}`, userId: String(1_000_000 + d * 6_000 + i), version: 1, at });
      }),
    );
    await db.gateway.insertRows(liveTables(db.config.database).events, mapBatch(rows).events);
    const analytics = new ClickHouseAnalytics(db.gateway, db.config.database);
    const rawOnly = new ClickHouseAnalytics(db.gateway, db.config.database, { useRollup: false });
    const range = { from: days[0], to: days[2] };
    const exact = await analytics.activeUsers({ ...range, total: 'exact' });
    expect(exact).toMatchObject({ total_active_users: 24_000, total_method: 'exact' });
    const raw = await rawOnly.activeUsers({ ...range, total: 'estimate' });
    expect(raw.total_method).toBe('estimate');
    expect(Math.abs(raw.total_active_users - 24_000)).toBeLessThanOrEqual(480); // 2 %: 2.5 standard errors at precision 14
    expect(raw.days).toEqual(exact.days); // each day's own count stays exact
    const rollup = new DailyRollup(db.gateway, db.config.database);
    await rollup.rollDay(days[0]);
    await rollup.rollDay(days[1]); // two rolled days, one raw: the sketches merge into the same registers
    expect(await analytics.activeUsers({ ...range, total: 'estimate' })).toEqual(raw);
    expect(await analytics.activeUsers({ ...range, total: 'estimate', business_id: 'b-7' })).toEqual(await rawOnly.activeUsers({ ...range, total: 'estimate', business_id: 'b-7' }));
    expect(await analytics.activeUsers({ ...range, total: 'exact' })).toEqual(exact);
  }, 120_000);
});

describe('daily rollup written in an earlier format', () => {
  let opened: ClickHouseTestDatabase | undefined;
  afterEach(async () => {
    await opened?.drop();
    opened = undefined;
  });
  /** A read model prepared as today, holding one event (old-1, user 7, 2026-01-20 10:00) written by a sink whose clock is before it (no marks). */
  async function readModelWithOneEvent(): Promise<{ db: ClickHouseTestDatabase; rollup: DailyRollup }> {
    const db = (opened = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env)));
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database, { now: () => new Date('2026-01-01T00:00:00Z') });
    await sink.prepare();
    const f = new EnvelopeFactory();
    expect(await sink.apply([f.event({ type: 'RecordCreated', recordId: f.recordId(new Date('2026-01-20T10:00:00Z')), businessId: 'old-1', userId: '7', version: 1, at: '2026-01-20T10:00:00.000Z' })])).toEqual([]);
    return { db, rollup: new DailyRollup(db.gateway, db.config.database) };
  }

  it('made before runs read up to an hour gets the hour columns: an earlier run reads as its whole day, an earlier mark as changing all of it', async () => {
    const { db, rollup } = await readModelWithOneEvent();
    const [runsRun, markRun] = [await rollup.rollDay('2026-01-20'), await rollup.rollDay('2026-01-21')];
    // The bookkeeping tables as the earlier format made them, holding those two runs and a mark on the second day.
    for (const [table, columns, order] of [
      [rollup.tables.runs, 'day Date, run_id UInt64, started_at DateTime(\'UTC\')', '(day, run_id)'],
      [rollup.tables.dirty, 'day Date, marked_at DateTime(\'UTC\') DEFAULT now()', 'day'],
    ]) {
      await db.gateway.command(`DROP TABLE ${table}`);
      await db.gateway.command(`CREATE TABLE ${table} (${columns}) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY ${order}`);
    }
    await db.gateway.command(`INSERT INTO ${rollup.tables.runs} (day, run_id, started_at) VALUES ('2026-01-20', ${runsRun}, now()), ('2026-01-21', ${markRun}, now())`);
    await db.gateway.command(`INSERT INTO ${rollup.tables.dirty} (day, marked_at) VALUES ('2026-01-21', toDateTime(${runStartOf(markRun)}, 'UTC'))`);

    await rollup.prepare();
    await rollup.prepare(); // again: the columns are there
    const usable = await rollup.usableRuns('2026-01-20', '2026-01-21');
    expect([...usable]).toEqual([['2026-01-20', { runId: runsRun, throughMinute: 1440 }]]);
    const analytics = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database));
    expect(await analytics.recordsPerBusinessPerDay({ from: '2026-01-20', to: '2026-01-21', limit: 10 })).toMatchObject({ rows: [{ business_id: 'old-1', records_created: 1, active_users: 1 }] });
  }, 60_000);

  it("with partial runs' rows in the main table (before their own table): prepare() voids those runs at once (readers go raw), deletes them, and the job's next run goes to the new table", async () => {
    const { db, rollup } = await readModelWithOneEvent();
    const whole = await rollup.rollDay('2026-01-19'); // no events; a whole day's run, which stays
    const partial = await rollup.rollDay('2026-01-20', 12 * 60);
    // Where the earlier format kept the partial run's rows: in the main table, no table of their own.
    await db.gateway.command(`INSERT INTO ${rollup.tables.rollup} SELECT * FROM ${rollup.tables.slots}`);
    for (const table of [rollup.tables.slots, rollup.tables.partial]) await db.gateway.command(`DROP TABLE ${table}`);
    const range = { from: '2026-01-19', to: '2026-01-20', limit: 10 };
    const expected = { rows: [{ business_id: 'old-1', day: '2026-01-20', records_created: 1, active_users: 1 }] };

    await rollup.prepare();
    await rollup.prepare(); // again: nothing more to do
    expect([...(await rollup.usableRuns('2026-01-19', '2026-01-20')).keys()]).toEqual(['2026-01-19']);
    const analytics = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database));
    expect(await analytics.recordsPerBusinessPerDay(range)).toMatchObject(expected);
    await untilMutationsDone(db);
    const runs = await db.gateway.select<{ run: string }>(`SELECT toString(run_id) AS run FROM ${rollup.tables.runs}`);
    expect(runs.map((r) => r.run)).toEqual([whole]);
    const [{ n }] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${rollup.tables.rollup} WHERE run_id = ${partial}`);
    expect(Number(n)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a run started after the mark
    await rollup.rollDay('2026-01-20', 12 * 60);
    expect((await rollup.usableRuns('2026-01-20', '2026-01-20')).get('2026-01-20')).toMatchObject({ throughMinute: 720 });
    expect(await analytics.recordsPerBusinessPerDay(range)).toMatchObject(expected);
  }, 60_000);

  it('holding run ids of the earlier layout (start second << 20 | random, unique within a day only) is dropped by prepare() and rolled again', async () => {
    const { db, rollup } = await readModelWithOneEvent();
    const current = await rollup.rollDay('2026-01-20');
    const earlier = String((BigInt(runStartOf(current)) << 20n) | 7n);
    await db.gateway.command(`INSERT INTO ${rollup.tables.rollup} SELECT business_id, toDate('2026-01-21'), ${earlier}, records_created, records_updated, records_deleted, events, active_users, users, users_sketch FROM ${rollup.tables.rollup}`);
    await db.gateway.command(`INSERT INTO ${rollup.tables.runs} (day, run_id, started_at) VALUES ('2026-01-21', ${earlier}, now())`);
    expect((await rollup.usableRuns('2026-01-20', '2026-01-21')).size).toBe(2);

    await rollup.prepare();
    expect((await rollup.usableRuns('2026-01-20', '2026-01-21')).size).toBe(0);
    await rollup.rollDay('2026-01-20');
    await rollup.prepare(); // the current layout stays
    expect((await rollup.usableRuns('2026-01-20', '2026-01-21')).size).toBe(1);
  }, 60_000);

  const EARLIER_FORMATS: Array<[string, string, string]> = [
    ['the users as uniqExact states', 'users AggregateFunction(uniqExact, UInt64)', '1, uniqExactState(user_id)'],
    ['the users as arrays, no sketch', 'active_users UInt64, users Array(UInt64)', '1, 1, groupUniqArray(user_id)'],
    ['a sketch of precision 17, granules of 8192', 'active_users UInt64, users Array(UInt64), users_sketch AggregateFunction(uniqCombined, UInt64)', '1, 1, groupUniqArray(user_id), uniqCombinedState(user_id)'],
  ];
  it.each(EARLIER_FORMATS)('(%s) is dropped by prepare() and made again empty (runs and rows): readers answer from the raw events until the job rolls the days again', async (_, usersColumns, usersValues) => {
    const { db, rollup } = await readModelWithOneEvent();
    // The tables as the earlier format made them, with one run of one day.
    await db.gateway.command(`DROP TABLE ${rollup.tables.rollup}`);
    await db.gateway.command(`CREATE TABLE ${rollup.tables.rollup} (business_id String, day Date, run_id UInt64, records_created UInt64, records_updated UInt64,
  records_deleted UInt64, events UInt64, ${usersColumns}) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (business_id, day, run_id)`);
    await db.gateway.command(`INSERT INTO ${rollup.tables.rollup} SELECT business_id, event_date, 1099511627776, 1, 0, 0, ${usersValues} FROM ${liveTables(db.config.database).events} GROUP BY business_id, event_date`);
    await db.gateway.command(`INSERT INTO ${rollup.tables.runs} (day, run_id, started_at) VALUES ('2026-01-20', 1099511627776, now())`);
    expect((await rollup.usableRuns('2026-01-20', '2026-01-20')).size).toBe(1);

    await rollup.prepare();
    const columns = await db.gateway.select<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = '${db.config.database}' AND table = 'daily_business_rollup' AND name IN ('users', 'users_sketch') ORDER BY name`);
    expect(columns).toEqual([{ name: 'users', type: 'Array(UInt64)' }, { name: 'users_sketch', type: 'AggregateFunction(uniqCombined(14), UInt64)' }]);
    expect((await rollup.usableRuns('2026-01-20', '2026-01-20')).size).toBe(0);
    const analytics = validatingFront(new ClickHouseAnalytics(db.gateway, db.config.database));
    const range = { from: '2026-01-20', to: '2026-01-20' };
    for (const total of ['estimate', 'exact'] as const) expect(await analytics.activeUsers({ ...range, total })).toMatchObject({ total_active_users: 1 });
    await rollup.rollDay('2026-01-20');
    for (const total of ['estimate', 'exact'] as const) expect(await analytics.activeUsers({ ...range, total })).toMatchObject({ total_active_users: 1 });
    expect(await analytics.recordsPerBusinessPerDay({ ...range, limit: 10 })).toMatchObject({ rows: [{ business_id: 'old-1', records_created: 1, active_users: 1 }] });
    await rollup.prepare(); // the current format stays
    expect((await rollup.usableRuns('2026-01-20', '2026-01-20')).size).toBe(1);
  }, 60_000);
});
