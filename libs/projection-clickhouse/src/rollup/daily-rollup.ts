import type { ClickHouseGateway } from '../clickhouse-gateway';
import { liveTables } from '../schema/analytics-tables';
import { distinctEventsSql } from '../schema/distinct-events';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { sqlDate, sqlDateTime, sqlString, sqlUInt64, type Sql } from '../sql/sql-literals';
import { dropPartialRunPartition, partialRunPartitions } from './partial-run-partitions';
import {
  ALL_BUSINESSES,
  createRollupTablesSql,
  EVERY_DAY,
  MARK_HOUR_COLUMN,
  MARK_MINUTE_COLUMN,
  MINUTE_MS,
  ROLLUP_DIRTY_TABLE,
  ROLLUP_GRANULARITY,
  ROLLUP_PARTIAL_TABLE,
  ROLLUP_RUNS_TABLE,
  ROLLUP_TABLE,
  rollupTables,
  ROLLUP_SLOT_MINUTES,
  RUN_HOURS_COLUMN,
  RUN_MINUTES_COLUMN,
  runsOfDaysSql,
  WHOLE_DAY,
  WHOLE_DAY_MINUTES,
  type RollupTables,
} from './rollup-tables';
import { FIRST_RUN_ID, newRunId, runStartOf } from './run-ids';
import { sketchOf, sketchUnion, USERS_SKETCH_TYPE } from './users-sketch';

const DAY_MS = 86_400_000;

export interface RollUpOptions {
  /** Days before the last settled day to look at (missing or dirty runs are rolled). */
  lookbackDays: number;
  /** A slot of the current day (so a day) is rolled only once this long has passed since it ended (clock skew, events in flight). */
  settleMs: number;
  /** Days before this one are never rolled (their raw events are past retention: a run would count nothing). */
  earliestDay?: string;
}

export interface RollUpReport {
  /** The last day old enough to be rolled whole (ClickHouse's clock). */
  settledThrough: string;
  /** Days rolled whole. */
  rolled: string[];
  /** The day after settledThrough, rolled up to its last settled slot, when it needed it. */
  partial?: UsableRun & { day: string };
  /** Superseded runs whose rows were deleted (see pruneSupersededRuns). */
  pruned: number;
}

/** A day's usable run: its id, and the minutes of the day it read ([0, throughMinute); WHOLE_DAY_MINUTES = all). */
export interface UsableRun {
  runId: string;
  throughMinute: number;
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
 * A run may read only the first minutes of its day, [0, through_minute): the day still going on
 * is rolled up to its last settled slot (ROLLUP_SLOT_MINUTES), and readers add its later events
 * from the raw table, so what is read raw is the settle window and a slot or so, not the whole of
 * today (at 10 M records today's raw events were most of the analytics endpoints' cost; at the
 * seed's rate an hour of them would be: bench/README.md, docs/adr/0009).
 *
 * Whatever changes D's raw events after a run started marks D dirty from the minute it changed
 * (ClickHouse's clock again): the sink for every event it writes of a slot before its own current
 * slot (after the insert, so an event not seen by a run is always marked after the run started),
 * an erasure for the whole days of the erased user, a rebuild's swap for every day. A day's run is
 * usable only while no mark on D from a minute it read (or on EVERY_DAY) is at or after its start
 * second; readers use the raw events for every other day. So an answer from the rollup equals the
 * answer from the raw table, whenever it is asked.
 *
 * Settling (default 10 min after the slot ends) keeps the job from rolling a slot still receiving
 * its last events, and bounds the clock skew tolerated between the projector and ClickHouse: the
 * sink marks by its own clock, so it must already be past the run's last slot when ClickHouse is
 * past settle (a run's end is a slot boundary at least `settle` before its start).
 *
 * Runs of a part of a day before docs/adr/0009 read whole hours into ROLLUP_PARTIAL_TABLE; they are
 * not used (the day is read raw until the job's next run, minutes later) and pruned as superseded.
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
    await this.addColumn(ROLLUP_RUNS_TABLE, this.tables.runs, RUN_MINUTES_COLUMN);
    await this.addColumn(ROLLUP_DIRTY_TABLE, this.tables.dirty, MARK_HOUR_COLUMN);
    await this.addColumn(ROLLUP_DIRTY_TABLE, this.tables.dirty, MARK_MINUTE_COLUMN);
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
    await this.gateway.command(`DROP TABLE IF EXISTS ${this.tables.slots}`);
    return true;
  }

  /** Whether the runs table holds ids of the earlier layout (run-ids.ts), which readers cannot select by id alone. */
  private async holdsEarlierRunIds(): Promise<boolean> {
    const [old] = await this.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${this.tables.runs} WHERE run_id < ${sqlUInt64(FIRST_RUN_ID.toString())}`);
    return Number(old.n) > 0;
  }

  /** Marks whole days (YYYY-MM-DD) whose raw events changed; `EVERY_DAY` voids every run so far. */
  async markDirty(days: Iterable<string>): Promise<void> {
    await this.markMinutesDirty(new Map([...days].map((day) => [day, 0])));
  }

  /** Marks days whose raw events changed from a minute on (day → first minute changed, 0–1439), with its hour for readers in hours. */
  async markMinutesDirty(fromMinute: ReadonlyMap<string, number>): Promise<void> {
    if (fromMinute.size === 0) return;
    const marks = [...fromMinute].map(([day, minute]) => `(${sqlDate(day)}, ${sqlUInt64(String(Math.floor(minute / 60)))}, ${sqlUInt64(String(minute))})`).join(', ');
    await this.gateway.command(`INSERT INTO ${this.tables.dirty} (day, ${MARK_HOUR_COLUMN.name}, ${MARK_MINUTE_COLUMN.name}) VALUES ${marks}`);
  }

  /**
   * The usable run of each day in [from, to] that has one: day → its latest run (id as a decimal
   * string, and the minutes it read) when no mark from one of those minutes came at or after its
   * start. Days absent are to be read from the raw events. One read of both bookkeeping tables
   * (it precedes every analytics query).
   */
  async usableRuns(from: string, to: string): Promise<Map<string, UsableRun>> {
    const range = `day >= ${sqlDate(from)} AND day <= ${sqlDate(to)}`;
    const rows = await this.gateway.select<{ kind: 'run' | 'mark'; d: string; v: string; h: number | string; m: number | string }>(
      `SELECT 'run' AS kind, toString(day) AS d, toString(max(run_id)) AS v, toUInt16(argMax(through_hour, run_id)) AS h, argMax(through_minute, run_id) AS m FROM ${this.tables.runs} WHERE ${range} GROUP BY day
UNION ALL
SELECT 'mark' AS kind, toString(day) AS d, toString(toUInt32(max(marked_at))) AS v, toUInt16(0) AS h, minute AS m FROM ${this.tables.dirty} WHERE (${range}) OR day = ${sqlDate(EVERY_DAY)} GROUP BY day, minute`,
    );
    const marks = rows.filter((r) => r.kind === 'mark').map((m) => ({ day: m.d, at: Number(m.v), minute: Number(m.m) }));
    const usable = new Map<string, UsableRun>();
    for (const { d: day, v: runId, h, m } of rows.filter((r) => r.kind === 'run')) {
      // A run of a day's first hours in the earlier format (ROLLUP_PARTIAL_TABLE) is not used: the job's next run replaces it.
      if (Number(h) > 0 && Number(h) < WHOLE_DAY) continue;
      const throughMinute = Number(m);
      const started = runStartOf(runId);
      // A mark voids a run when it is on its day (or every day), from a minute the run read, and not older than the run.
      const voided = marks.some((mark) => (mark.day === day || mark.day === EVERY_DAY) && mark.minute < throughMinute && mark.at >= started);
      if (!voided) usable.set(day, { runId, throughMinute });
    }
    return usable;
  }

  /**
   * Rolls every settled day of the lookback window, and every older day marked dirty, that has no
   * usable run of the whole day; then the day still going on (the day after the last settled one)
   * up to its last settled slot, when its usable run read less. Days are rolled one at a time
   * (each reads one day of raw events). Run it every slot (ROLLUP_SLOT_MINUTES) to keep what
   * readers take raw to the settle window and a slot; the whole days are rolled whenever it runs.
   */
  async rollUp(options: RollUpOptions): Promise<RollUpReport> {
    const now = await this.serverSeconds();
    const cutMs = now * 1000 - options.settleMs;
    const current = dayOf(cutMs);
    const slotMs = ROLLUP_SLOT_MINUTES * MINUTE_MS;
    const settledMinutes = Math.floor((cutMs - Date.parse(`${current}T00:00:00Z`)) / slotMs) * ROLLUP_SLOT_MINUTES;
    const settledThrough = dayOf(cutMs - DAY_MS);
    const first = dayOf(Date.parse(`${settledThrough}T00:00:00Z`) - (options.lookbackDays - 1) * DAY_MS);
    const candidates = new Set(daysFrom(first, settledThrough));
    for (const day of await this.daysNeedingAgain(settledThrough)) candidates.add(day);
    const sorted = [...candidates].filter((d) => options.earliestDay === undefined || d >= options.earliestDay).sort();
    const rolled: string[] = [];
    const usable = await this.usableRuns(sorted[0] ?? current, current);
    for (const day of sorted) {
      if ((usable.get(day)?.throughMinute ?? -1) >= WHOLE_DAY_MINUTES) continue;
      await this.rollDay(day, WHOLE_DAY_MINUTES, usable.get(day));
      rolled.push(day);
    }
    let partial: RollUpReport['partial'];
    const ofCurrent = usable.get(current)?.throughMinute ?? 0;
    if (settledMinutes > ofCurrent && (options.earliestDay === undefined || current >= options.earliestDay)) {
      partial = { day: current, throughMinute: settledMinutes, runId: await this.rollDay(current, settledMinutes, usable.get(current)) };
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

  /**
   * Drops the partitions of runs of a part of a day (either table: minutes, or the earlier format's
   * hours) older than their day's latest run (which started before `before`), or unrecorded for a day.
   */
  private async dropPartialRuns(latest: ReadonlyMap<string, string>, before: number): Promise<void> {
    for (const partition of await partialRunPartitions(this.gateway, this.database)) {
      const { day, run } = partition;
      const last = latest.get(day);
      const superseded = last !== undefined && BigInt(run) < BigInt(last) && runStartOf(last) < before;
      const unrecorded = (last === undefined || BigInt(run) > BigInt(last)) && runStartOf(run) < before - UNRECORDED_GRACE_S;
      if (superseded || unrecorded) await dropPartialRunPartition(this.gateway, this.database, partition);
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
   * One run of one day, of its minutes [0, throughMinute): rows first (into the main table for a
   * whole day, the slots' table otherwise), then the run (a run recorded is complete).
   *
   * With `after`, the day's usable run of its first minutes (a partial run, as usableRuns gave it),
   * only the later minutes are read from the raw events and added to that run's rows (counts
   * summed, users as the union of both sides'), so the job reads each slot of the current day once
   * instead of the whole day so far every slot (and the whole day's run only its last slots).
   * That run is checked again after this run's start second: a mark that voided it since (a late
   * event in a minute it read) sends the run back to reading the whole day. A mark after the start
   * voids this run as usual, so the rows are what a read of every minute would have given.
   */
  async rollDay(day: string, throughMinute = WHOLE_DAY_MINUTES, after?: UsableRun): Promise<string> {
    if (!Number.isInteger(throughMinute) || throughMinute < 1 || throughMinute > WHOLE_DAY_MINUTES) throw new Error(`throughMinute ${throughMinute}: 1..${WHOLE_DAY_MINUTES}`);
    const started = await this.serverSeconds();
    const runId = sqlUInt64(newRunId(started, day));
    const base = after !== undefined && after.throughMinute < throughMinute && (await this.usableRuns(day, day)).get(day)?.runId === after.runId ? after : undefined;
    const start = new Date(`${day}T00:00:00Z`);
    const from = new Date(start.getTime() + (base?.throughMinute ?? 0) * MINUTE_MS);
    const end = new Date(start.getTime() + throughMinute * MINUTE_MS);
    const ofMinutes = distinctEventsSql(this.events, `event_date = ${sqlDate(day)} AND occurred_at >= ${sqlDateTime(from)} AND occurred_at < ${sqlDateTime(end)}`);
    const whole = throughMinute === WHOLE_DAY_MINUTES;
    const table = whole ? this.tables.rollup : this.tables.slots;
    const into = `INSERT INTO ${table} (business_id, day, run_id, records_created, records_updated, records_deleted, events, active_users, users, users_sketch)`;
    const rawRows = `SELECT business_id, event_date AS day, countIf(${CREATED_EVENTS}) AS c, countIf(${UPDATED_EVENTS}) AS u, countIf(${DELETED_EVENTS}) AS d, count() AS e, groupUniqArray(user_id) AS us, ${sketchOf('user_id')} AS sk
FROM ${ofMinutes}
GROUP BY business_id, event_date`;
    await this.gateway.command(
      base === undefined
        ? `${into}
SELECT business_id, day, ${runId}, c, u, d, e, length(us), us, sk FROM (${rawRows})`
        : `${into}
SELECT business_id, day, ${runId}, sum(c), sum(u), sum(d), sum(e), length(groupUniqArrayArray(us)), groupUniqArrayArray(us), ${sketchUnion('sk')}
FROM (
SELECT business_id, day, records_created AS c, records_updated AS u, records_deleted AS d, events AS e, users AS us, users_sketch AS sk
FROM ${this.tables.slots}
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
      // through_hour 0 for a part of a day: see RUN_MINUTES_COLUMN (a reader in hours reads the day raw).
      `INSERT INTO ${this.tables.runs} (day, run_id, started_at, ${RUN_HOURS_COLUMN.name}, ${RUN_MINUTES_COLUMN.name}) SELECT ${sqlDate(day)}, ${runId}, toDateTime(${started}, 'UTC'), ${whole ? WHOLE_DAY : 0}, ${throughMinute}`,
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
  const partial = r.partial ? `; ${r.partial.day} rolled up to ${clockOf(r.partial.throughMinute)}` : '';
  return `days settled through ${r.settledThrough}, rolled up [${r.rolled.join(', ') || 'none'}]${partial}; ${r.pruned} superseded runs pruned`;
}

function clockOf(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/**
 * The rows' occurred_at ('YYYY-MM-DD hh:mm:ss', UTC) of a slot (ROLLUP_SLOT_MINUTES) before the one
 * `now` is in, as day → earliest such minute of it: the marks (DailyRollup.markMinutesDirty) for
 * what a sink wrote. A run ends at a slot boundary, so an event it may have missed is one of those.
 */
export function minutesBefore(now: Date, occurredAt: Iterable<string>): Map<string, number> {
  const slotMs = ROLLUP_SLOT_MINUTES * MINUTE_MS;
  const currentSlot = new Date(Math.floor(now.getTime() / slotMs) * slotMs).toISOString().slice(0, 19).replace('T', ' ');
  const earliest = new Map<string, number>();
  for (const at of occurredAt) {
    if (at.slice(0, 19) >= currentSlot) continue;
    const day = at.slice(0, 10);
    const minute = Number(at.slice(11, 13)) * 60 + Number(at.slice(14, 16));
    if (minute < (earliest.get(day) ?? WHOLE_DAY_MINUTES)) earliest.set(day, minute);
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
