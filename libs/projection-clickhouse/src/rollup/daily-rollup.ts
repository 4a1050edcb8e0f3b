import type { ClickHouseGateway } from '../clickhouse-gateway';
import { liveTables } from '../schema/analytics-tables';
import { distinctEventsSql } from '../schema/distinct-events';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { sqlDate, sqlDateTime, sqlString, sqlUInt64, type Sql } from '../sql/sql-literals';
import {
  ALL_BUSINESSES,
  createRollupTablesSql,
  EVERY_DAY,
  HOUR_MS,
  MARK_HOUR_COLUMN,
  partialRunPartitionSql,
  ROLLUP_DIRTY_TABLE,
  ROLLUP_GRANULARITY,
  ROLLUP_PARTIAL_TABLE,
  ROLLUP_RUNS_TABLE,
  ROLLUP_TABLE,
  rollupTables,
  RUN_HOURS_COLUMN,
  runsOfDaysSql,
  WHOLE_DAY,
  type RollupTables,
} from './rollup-tables';
import { FIRST_RUN_ID, newRunId, runStartOf } from './run-ids';
import { sketchOf, sketchUnion, USERS_SKETCH_TYPE } from './users-sketch';

const DAY_MS = 86_400_000;

export interface RollUpOptions {
  /** Days before the last settled day to look at (missing or dirty runs are rolled). */
  lookbackDays: number;
  /** An hour (so a day) is rolled only once this long has passed since it ended (clock skew, events in flight). */
  settleMs: number;
  /** Days before this one are never rolled (their raw events are past retention: a run would count nothing). */
  earliestDay?: string;
}

export interface RollUpReport {
  /** The last day old enough to be rolled whole (ClickHouse's clock). */
  settledThrough: string;
  /** Days rolled whole. */
  rolled: string[];
  /** The day after settledThrough, rolled up to its last settled hour, when it needed it. */
  partial?: UsableRun & { day: string };
  /** Superseded runs whose rows were deleted (see pruneSupersededRuns). */
  pruned: number;
}

/** A day's usable run: its id, and the hours of the day it read ([0, throughHour); WHOLE_DAY = all). */
export interface UsableRun {
  runId: string;
  throughHour: number;
}

/** A superseded run's rows are kept this long after the run that replaced it started (readers that chose it finish first). */
const PRUNE_GRACE_S = 600;
/**
 * Rows of a partial run never recorded (its job died, or is still reading) are dropped this long
 * after the run started: far longer than a run of one day's first hours takes.
 */
const UNRECORDED_GRACE_S = 86_400;
/**
 * Superseded runs of whole days are deleted from the main table once their rows are at least this
 * share of it: the DELETE rewrites the whole table on 18.16, and until then they cost readers at
 * most this share more rows read (readers select a day's current run by its id). Whole days are
 * re-rolled only after late events, erasures or a rebuild, so this is rarely reached.
 */
export const WHOLE_RUNS_PRUNE_SHARE = 0.1;

/**
 * The daily rollup of `record_events`, exact under at-least-once delivery.
 *
 * A run of day D reads `record_events` for D, each event once (distinctEventsSql, as the
 * endpoints count), and writes one row per business with the counts and the distinct users, and
 * one for all businesses together (ALL_BUSINESSES), then records itself in `daily_rollup_runs`
 * with the second it STARTED reading (ClickHouse's clock). Nothing is ever updated in place: a
 * later run of D supersedes an earlier one by its higher run_id.
 *
 * A run may read only the first hours of its day, [0, through_hour): the day still going on is
 * rolled up to its last settled hour, and readers add its later events from the raw table, so
 * what is read raw is the last hour or so, not the whole of today (at 10 M records today's raw
 * events were most of the analytics endpoints' cost; bench/README.md).
 *
 * Whatever changes D's raw events after a run started marks D dirty from the hour it changed
 * (ClickHouse's clock again): the sink for every event it writes of an hour before its own current
 * hour (after the insert, so an event not seen by a run is always marked after the run started),
 * an erasure for the whole days of the erased user, a rebuild's swap for every day. A day's run is
 * usable only while no mark on D from an hour it read (or on EVERY_DAY) is at or after its start
 * second; readers use the raw events for every other day. So an answer from the rollup equals the
 * answer from the raw table, whenever it is asked.
 *
 * Settling (default 10 min after the hour ends) keeps the job from rolling an hour still receiving
 * its last events, and bounds the clock skew tolerated between the projector and ClickHouse: the
 * sink marks by its own clock, so it must already be past the hour when ClickHouse is past settle.
 */
export class DailyRollup {
  readonly tables: RollupTables;
  private readonly events: Sql;

  constructor(
    private readonly gateway: ClickHouseGateway,
    private readonly database: string,
  ) {
    this.tables = rollupTables(database);
    this.events = liveTables(database).events;
  }

  async prepare(): Promise<void> {
    // One look at which bookkeeping tables were there before (none, once an earlier format is dropped).
    const existed = new Set(
      (await this.gateway.select<{ name: string }>(`SELECT name FROM system.tables WHERE database = ${sqlString(this.database)} AND name IN (${[ROLLUP_RUNS_TABLE, ROLLUP_PARTIAL_TABLE].map(sqlString).join(', ')})`)).map((t) => t.name),
    );
    if (await this.dropEarlierFormat(existed.has(ROLLUP_RUNS_TABLE))) existed.clear();
    for (const sql of createRollupTablesSql(this.tables)) await this.gateway.command(sql);
    await this.addColumn(ROLLUP_RUNS_TABLE, this.tables.runs, RUN_HOURS_COLUMN);
    await this.addColumn(ROLLUP_DIRTY_TABLE, this.tables.dirty, MARK_HOUR_COLUMN);
    if (existed.has(ROLLUP_RUNS_TABLE) && !existed.has(ROLLUP_PARTIAL_TABLE)) await this.voidPartialRunsInMainTable();
  }

  /**
   * Before the partial runs' table, runs of a day's first hours wrote their rows into the main
   * table, where readers no longer look for them: their days are marked dirty (readers go raw at
   * once, the job rolls them again), then their rows and records deleted (once, on upgrade).
   */
  private async voidPartialRunsInMainTable(): Promise<void> {
    const runs = await this.gateway.select<{ day: string; run: string }>(
      `SELECT toString(day) AS day, toString(run_id) AS run FROM ${this.tables.runs} WHERE ${RUN_HOURS_COLUMN.name} < ${WHOLE_DAY}`,
    );
    if (runs.length === 0) return;
    await this.markDirty(new Set(runs.map((r) => r.day)));
    const list = runsOfDaysSql(runs.map((r) => [r.day, r.run]));
    await this.gateway.command(`ALTER TABLE ${this.tables.rollup} DELETE WHERE (day, run_id) IN (${list})`);
    await this.gateway.command(`ALTER TABLE ${this.tables.runs} DELETE WHERE (day, run_id) IN (${list})`);
  }

  /** Adds a column to a table made before it existed (18.16 has no ADD COLUMN IF NOT EXISTS). */
  private async addColumn(table: string, qualified: Sql, column: { name: string; type: string }): Promise<void> {
    const has = async () =>
      (await this.gateway.select(`SELECT name FROM system.columns WHERE database = ${sqlString(this.database)} AND table = ${sqlString(table)} AND name = ${sqlString(column.name)}`)).length > 0;
    if (await has()) return;
    try {
      await this.gateway.command(`ALTER TABLE ${qualified} ADD COLUMN ${column.name} ${column.type}`);
    } catch (error) {
      if (!(await has())) throw error; // another process added it first
    }
  }

  /**
   * A rollup written in an earlier format (the users as uniqExact states, no per-day count, no
   * sketch or one of another precision, granules of another size) is dropped: it is derived
   * data, readers answer from the raw events until the job has rolled the days again. The runs
   * go first, so no reader ever picks a run whose rows are gone. Returns whether it dropped them.
   */
  private async dropEarlierFormat(runsPresent: boolean): Promise<boolean> {
    const columns = await this.gateway.select<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = ${sqlString(this.database)} AND table = ${sqlString(ROLLUP_TABLE)}`,
    );
    if (columns.length === 0) return false;
    const [table] = await this.gateway.select<{ engine_full: string }>(
      `SELECT engine_full FROM system.tables WHERE database = ${sqlString(this.database)} AND name = ${sqlString(ROLLUP_TABLE)}`,
    );
    const has = (name: string, type?: string) => columns.some((c) => c.name === name && (type === undefined || c.type === type));
    const current =
      has('users', 'Array(UInt64)') &&
      has('active_users') &&
      has('users_sketch', USERS_SKETCH_TYPE) &&
      (table?.engine_full ?? '').includes(`index_granularity = ${ROLLUP_GRANULARITY}`);
    if (current && !(runsPresent && (await this.holdsEarlierRunIds()))) return false;
    await this.gateway.command(`DROP TABLE IF EXISTS ${this.tables.runs}`);
    await this.gateway.command(`DROP TABLE IF EXISTS ${this.tables.rollup}`);
    await this.gateway.command(`DROP TABLE IF EXISTS ${this.tables.partial}`);
    return true;
  }

  /** Whether the runs table holds ids of the earlier layout (run-ids.ts), which readers cannot select by id alone. */
  private async holdsEarlierRunIds(): Promise<boolean> {
    const [old] = await this.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${this.tables.runs} WHERE run_id < ${sqlUInt64(FIRST_RUN_ID.toString())}`);
    return Number(old.n) > 0;
  }

  /** Marks whole days (YYYY-MM-DD) whose raw events changed; `EVERY_DAY` voids every run so far. */
  async markDirty(days: Iterable<string>): Promise<void> {
    await this.markHoursDirty(new Map([...days].map((day) => [day, 0])));
  }

  /** Marks days whose raw events changed from an hour on (day → first hour changed, 0–23). */
  async markHoursDirty(fromHour: ReadonlyMap<string, number>): Promise<void> {
    if (fromHour.size === 0) return;
    const marks = [...fromHour].map(([day, hour]) => `(${sqlDate(day)}, ${sqlUInt64(String(hour))})`).join(', ');
    await this.gateway.command(`INSERT INTO ${this.tables.dirty} (day, hour) VALUES ${marks}`);
  }

  /**
   * The usable run of each day in [from, to] that has one: day → its latest run (id as a decimal
   * string, and the hours it read) when no mark from one of those hours came at or after its
   * start. Days absent are to be read from the raw events. One read of both bookkeeping tables
   * (it precedes every analytics query).
   */
  async usableRuns(from: string, to: string): Promise<Map<string, UsableRun>> {
    const range = `day >= ${sqlDate(from)} AND day <= ${sqlDate(to)}`;
    const rows = await this.gateway.select<{ kind: 'run' | 'mark'; d: string; v: string; h: number | string }>(
      `SELECT 'run' AS kind, toString(day) AS d, toString(max(run_id)) AS v, argMax(through_hour, run_id) AS h FROM ${this.tables.runs} WHERE ${range} GROUP BY day
UNION ALL
SELECT 'mark' AS kind, toString(day) AS d, toString(toUInt32(max(marked_at))) AS v, hour AS h FROM ${this.tables.dirty} WHERE (${range}) OR day = ${sqlDate(EVERY_DAY)} GROUP BY day, hour`,
    );
    const marks = rows.filter((r) => r.kind === 'mark').map((m) => ({ day: m.d, at: Number(m.v), hour: Number(m.h) }));
    const usable = new Map<string, UsableRun>();
    for (const { d: day, v: runId, h } of rows.filter((r) => r.kind === 'run')) {
      const throughHour = Number(h);
      const started = runStartOf(runId);
      // A mark voids a run when it is on its day (or every day), from an hour the run read, and not older than the run.
      const voided = marks.some((m) => (m.day === day || m.day === EVERY_DAY) && m.hour < throughHour && m.at >= started);
      if (!voided) usable.set(day, { runId, throughHour });
    }
    return usable;
  }

  /**
   * Rolls every settled day of the lookback window, and every older day marked dirty, that has no
   * usable run of the whole day; then the day still going on (the day after the last settled one)
   * up to its last settled hour, when its usable run read fewer hours. Days are rolled one at a
   * time (each reads one day of raw events). Run it often (hourly or more) to keep what readers
   * take raw to the last hour or so; the whole days are rolled whenever it runs.
   */
  async rollUp(options: RollUpOptions): Promise<RollUpReport> {
    const now = await this.serverSeconds();
    const cutMs = now * 1000 - options.settleMs;
    const current = dayOf(cutMs);
    const settledHours = Math.floor((cutMs - Date.parse(`${current}T00:00:00Z`)) / HOUR_MS);
    const settledThrough = dayOf(cutMs - DAY_MS);
    const first = dayOf(Date.parse(`${settledThrough}T00:00:00Z`) - (options.lookbackDays - 1) * DAY_MS);
    const candidates = new Set(daysFrom(first, settledThrough));
    for (const day of await this.daysNeedingAgain(settledThrough)) candidates.add(day);
    const sorted = [...candidates].filter((d) => options.earliestDay === undefined || d >= options.earliestDay).sort();
    const rolled: string[] = [];
    const usable = await this.usableRuns(sorted[0] ?? current, current);
    for (const day of sorted) {
      if ((usable.get(day)?.throughHour ?? -1) >= WHOLE_DAY) continue;
      await this.rollDay(day, WHOLE_DAY, usable.get(day));
      rolled.push(day);
    }
    let partial: RollUpReport['partial'];
    const ofCurrent = usable.get(current)?.throughHour ?? 0;
    if (settledHours > ofCurrent && (options.earliestDay === undefined || current >= options.earliestDay)) {
      partial = { day: current, throughHour: settledHours, runId: await this.rollDay(current, settledHours, usable.get(current)) };
    }
    return { settledThrough, rolled, partial, pruned: await this.pruneSupersededRuns(now - PRUNE_GRACE_S) };
  }

  /**
   * Removes the rows of runs superseded by a run of the same day that started before `before`
   * (epoch seconds): only a day's latest run is ever read, and a reader that picked an older one
   * just before it was superseded has long finished. A partial run's rows go with its partition
   * (DROP PARTITION: no rewrite), as do those of a partial run never recorded, a day after it
   * started; a whole day's go by a DELETE mutation (applied in the background) once they are
   * `wholeShare` of the main table (WHOLE_RUNS_PRUNE_SHARE). Returns the runs removed.
   */
  async pruneSupersededRuns(before: number, wholeShare = WHOLE_RUNS_PRUNE_SHARE): Promise<number> {
    const days = await this.gateway.select<{ day: string; runs: string[]; hours: Array<number | string>; latest: string }>(
      `SELECT toString(day) AS day, groupArray(toString(run_id)) AS runs, groupArray(${RUN_HOURS_COLUMN.name}) AS hours, toString(max(run_id)) AS latest FROM ${this.tables.runs} GROUP BY day`,
    );
    const superseded = days
      .filter((d) => runStartOf(d.latest) < before)
      .flatMap((d) => d.runs.map((run, i) => ({ day: d.day, run, whole: Number(d.hours[i]) >= WHOLE_DAY })).filter((r) => r.run !== d.latest));
    await this.dropPartialRuns(new Map(days.map((d) => [d.day, d.latest])), before);
    const removed = [...superseded.filter((r) => !r.whole), ...(await this.deleteWholeRuns(superseded.filter((r) => r.whole), wholeShare))];
    if (removed.length > 0) {
      // By (day, run_id): another day's current run may have drawn the same id.
      await this.gateway.command(`ALTER TABLE ${this.tables.runs} DELETE WHERE (day, run_id) IN (${runsOfDaysSql(removed.map((r) => [r.day, r.run]))})`);
    }
    return removed.length;
  }

  /** Drops the partitions of partial runs older than their day's latest run (which started before `before`), or unrecorded for a day. */
  private async dropPartialRuns(latest: ReadonlyMap<string, string>, before: number): Promise<void> {
    const held = await this.gateway.select<{ day: string; run: string }>(`SELECT DISTINCT toString(day) AS day, toString(run_id) AS run FROM ${this.tables.partial}`);
    for (const { day, run } of held) {
      const last = latest.get(day);
      const superseded = last !== undefined && BigInt(run) < BigInt(last) && runStartOf(last) < before;
      const unrecorded = (last === undefined || BigInt(run) > BigInt(last)) && runStartOf(run) < before - UNRECORDED_GRACE_S;
      if (superseded || unrecorded) await this.gateway.command(`ALTER TABLE ${this.tables.partial} DROP PARTITION ${partialRunPartitionSql(day, run)}`);
    }
  }

  /** Deletes superseded whole-day runs' rows when they are `share` of the main table or there are none; returns the runs removed. */
  private async deleteWholeRuns<R extends { day: string; run: string }>(runs: R[], share: number): Promise<R[]> {
    if (runs.length === 0) return [];
    const list = runsOfDaysSql(runs.map((r) => [r.day, r.run]));
    const days = runs.map((r) => r.day).sort();
    // Only the months of those days are read; the table's size comes from its parts' metadata.
    const [{ rows }] = await this.gateway.select<{ rows: string | number }>(
      `SELECT count() AS rows FROM ${this.tables.rollup} WHERE day >= ${sqlDate(days[0])} AND day <= ${sqlDate(days[days.length - 1])} AND (day, run_id) IN (${list})`,
    );
    const [{ total }] = await this.gateway.select<{ total: string | number }>(
      `SELECT sum(rows) AS total FROM system.parts WHERE active AND database = ${sqlString(this.database)} AND table = ${sqlString(ROLLUP_TABLE)}`,
    );
    if (Number(rows) === 0) return runs; // an erasure deleted them already: only their records go
    if (Number(rows) < share * Number(total)) return [];
    await this.gateway.command(`ALTER TABLE ${this.tables.rollup} DELETE WHERE (day, run_id) IN (${list})`);
    return runs;
  }

  /**
   * One run of one day, of its hours [0, throughHour): rows first (into the main table for a whole
   * day, the partial runs' table otherwise), then the run (a run recorded is complete).
   *
   * With `after`, the day's usable run of its first hours (a partial run, as usableRuns gave it),
   * only the later hours are read from the raw events and added to that run's rows (counts summed,
   * users as the union of both sides'), so the hourly job reads each hour of the current day once
   * instead of the whole day so far every hour (and the whole day's run only its last hours).
   * That run is checked again after this run's start second: a mark that voided it since (a late
   * event in an hour it read) sends the run back to reading every hour. A mark after the start
   * voids this run as usual, so the rows are what a read of every hour would have given.
   */
  async rollDay(day: string, throughHour = WHOLE_DAY, after?: UsableRun): Promise<string> {
    if (!Number.isInteger(throughHour) || throughHour < 1 || throughHour > WHOLE_DAY) throw new Error(`throughHour ${throughHour}: 1..${WHOLE_DAY}`);
    const started = await this.serverSeconds();
    const runId = sqlUInt64(newRunId(started, day));
    const base = after !== undefined && after.throughHour < throughHour && (await this.usableRuns(day, day)).get(day)?.runId === after.runId ? after : undefined;
    const start = new Date(`${day}T00:00:00Z`);
    const from = new Date(start.getTime() + (base?.throughHour ?? 0) * HOUR_MS);
    const end = new Date(start.getTime() + throughHour * HOUR_MS);
    const ofHours = distinctEventsSql(this.events, `event_date = ${sqlDate(day)} AND occurred_at >= ${sqlDateTime(from)} AND occurred_at < ${sqlDateTime(end)}`);
    const table = throughHour < WHOLE_DAY ? this.tables.partial : this.tables.rollup;
    const into = `INSERT INTO ${table} (business_id, day, run_id, records_created, records_updated, records_deleted, events, active_users, users, users_sketch)`;
    const rawRows = `SELECT business_id, event_date AS day, countIf(${CREATED_EVENTS}) AS c, countIf(${UPDATED_EVENTS}) AS u, countIf(${DELETED_EVENTS}) AS d, count() AS e, groupUniqArray(user_id) AS us, ${sketchOf('user_id')} AS sk
FROM ${ofHours}
GROUP BY business_id, event_date`;
    await this.gateway.command(
      base === undefined
        ? `${into}
SELECT business_id, day, ${runId}, c, u, d, e, length(us), us, sk FROM (${rawRows})`
        : `${into}
SELECT business_id, day, ${runId}, sum(c), sum(u), sum(d), sum(e), length(groupUniqArrayArray(us)), groupUniqArrayArray(us), ${sketchUnion('sk')}
FROM (
SELECT business_id, day, records_created AS c, records_updated AS u, records_deleted AS d, events AS e, users AS us, users_sketch AS sk
FROM ${this.tables.partial}
WHERE day = ${sqlDate(day)} AND run_id = ${sqlUInt64(base.runId)} AND business_id != ${sqlString(ALL_BUSINESSES)}
UNION ALL
${rawRows}
)
GROUP BY business_id, day`,
    );
    // The all-businesses row from this run's rows just written: the day's raw events are read once.
    await this.gateway.command(
      `${into}
SELECT ${sqlString(ALL_BUSINESSES)}, day, ${runId}, sum(records_created), sum(records_updated), sum(records_deleted), sum(events), length(groupUniqArrayArray(users)), groupUniqArrayArray(users), ${sketchUnion('users_sketch')}
FROM ${table}
WHERE day = ${sqlDate(day)} AND run_id = ${runId} AND business_id != ${sqlString(ALL_BUSINESSES)}
GROUP BY day`,
    );
    await this.gateway.command(
      `INSERT INTO ${this.tables.runs} (day, run_id, started_at, through_hour) SELECT ${sqlDate(day)}, ${runId}, toDateTime(${started}, 'UTC'), ${throughHour}`,
    );
    return runId;
  }

  /** Days up to `through` with a dirty mark, and every day ever rolled when EVERY_DAY is marked. */
  private async daysNeedingAgain(through: string): Promise<string[]> {
    const rows = await this.gateway.select<{ d: string }>(`SELECT DISTINCT toString(day) AS d FROM ${this.tables.dirty} WHERE day <= ${sqlDate(through)}`);
    const days = rows.map((r) => r.d).filter((d) => d !== EVERY_DAY);
    if (rows.length > days.length) {
      const all = await this.gateway.select<{ d: string }>(`SELECT DISTINCT toString(day) AS d FROM ${this.tables.runs} WHERE day <= ${sqlDate(through)}`);
      days.push(...all.map((r) => r.d));
    }
    return days;
  }

  private async serverSeconds(): Promise<number> {
    const [row] = await this.gateway.select<{ now: string | number }>('SELECT toUInt32(now()) AS now');
    return Number(row.now);
  }
}

/** One line saying what a run of the job did (ops-cli maintain, bench:scale). */
export function rollUpSummary(r: RollUpReport): string {
  const partial = r.partial ? `; ${r.partial.day} rolled up to ${String(r.partial.throughHour).padStart(2, '0')}:00` : '';
  return `days settled through ${r.settledThrough}, rolled up [${r.rolled.join(', ') || 'none'}]${partial}; ${r.pruned} superseded runs pruned`;
}

/**
 * The rows' occurred_at ('YYYY-MM-DD hh:mm:ss', UTC) of an hour before the one `now` is in, as
 * day → earliest such hour of it: the marks (DailyRollup.markHoursDirty) for what a sink wrote.
 */
export function hoursBefore(now: Date, occurredAt: Iterable<string>): Map<string, number> {
  const currentHour = now.toISOString().slice(0, 13).replace('T', ' ');
  const earliest = new Map<string, number>();
  for (const at of occurredAt) {
    if (at.slice(0, 13) >= currentHour) continue;
    const day = at.slice(0, 10);
    const hour = Number(at.slice(11, 13));
    if (hour < (earliest.get(day) ?? WHOLE_DAY)) earliest.set(day, hour);
  }
  return earliest;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysFrom(first: string, last: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${first}T00:00:00Z`); ms <= Date.parse(`${last}T00:00:00Z`); ms += DAY_MS) out.push(dayOf(ms));
  return out;
}
