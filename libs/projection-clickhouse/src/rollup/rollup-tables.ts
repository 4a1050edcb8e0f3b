import { sqlDate, sqlQualifiedName, sqlUInt64, type Sql } from '../sql/sql-literals';
import { USERS_SKETCH_TYPE } from './users-sketch';

/**
 * The daily rollup of the raw events (see daily-rollup.ts for the protocol):
 * - `daily_business_rollup`: one row per (business, UTC day, run of the whole day) with the exact counts of that
 *   day as the raw events (each once) gave them when the run read it, how many distinct users it had,
 *   and those users as an array (so distinct users count exactly across days and businesses:
 *   `uniqExactArray`; a day's own count needs no array read), plus one row
 *   per (day, run) for all businesses together, business_id ALL_BUSINESSES, which the questions
 *   over every business read instead of one row per business. Arrays, not uniqExact states:
 *   18.16 deserializes a state at ~850 ns per id, an array at ~50 (bench/README.md, 2026-12-03).
 *   And the users as a `uniqCombined` sketch (`users_sketch`, users-sketch.ts), for the estimated
 *   distinct count over several days: merging 30 sketches costs the same at any size, where the
 *   exact count hashes every (user, day) of the range. Sketches of the same users merge into the
 *   same registers whichever way they were grouped, so a rolled day and its raw events estimate
 *   alike. Granules of 256 rows, not 8192: a read deserializes every row of a granule it touches,
 *   and the 30 all-businesses rows of a month share their granule with the first businesses'
 *   rows — with 8192, a 30-day total read ~16,000 other rows' sketches (68 ms against 13);
 * - `daily_business_rollup_slots`: the same rows for runs of a day's first minutes (the day still
 *   going on, rolled every ROLLUP_SLOT_MINUTES), one partition per (day, run): each run supersedes
 *   the one before, and its predecessor goes by DROP PARTITION, a metadata operation. In the main
 *   table a DELETE mutation would be needed, which 18.16 applies by rewriting every part of the
 *   table, matching or not (checked on a two-partition table): a rewrite of the whole rollup every
 *   slot. `daily_business_rollup_partial` held such runs in whole hours before docs/adr/0009; its
 *   runs are no longer used and go as superseded;
 * - `daily_rollup_runs`: which run is current for each day, when it started reading, and the minute
 *   it read the day up to (`through_minute`: 1440 for the whole day; fewer for the settled slots of
 *   a day still going on, whose later events readers take raw; `through_hour`: 24 for the whole
 *   day, 0 for a part of it, 1–23 for a run of the earlier format);
 * - `daily_rollup_dirty`: days whose raw events changed after they may have been rolled (a late
 *   event, an erasure, a rebuild's swap), from a `minute` of the day on (0: all of it; `hour`, the
 *   same in hours); day 1970-01-02 voids every run started before it.
 */
export const ROLLUP_TABLE = 'daily_business_rollup';
export const ROLLUP_PARTIAL_TABLE = 'daily_business_rollup_partial';
/** Rows of runs of a day's first minutes (docs/adr/0009); ROLLUP_PARTIAL_TABLE holds only runs of the earlier format, in hours. */
export const ROLLUP_SLOTS_TABLE = 'daily_business_rollup_slots';
/** Both tables of runs of a part of a day, for what drops or deletes their rows. */
export const PART_OF_DAY_TABLES = [ROLLUP_SLOTS_TABLE, ROLLUP_PARTIAL_TABLE] as const;
export const ROLLUP_RUNS_TABLE = 'daily_rollup_runs';
export const ROLLUP_DIRTY_TABLE = 'daily_rollup_dirty';
/**
 * A dirty mark on this day voids the runs of EVERY day started before it. Not 1970-01-01: that is
 * Date 0, which 18.16 renders as '0000-00-00' (current ClickHouse as '1970-01-01').
 */
export const EVERY_DAY = '1970-01-02';
/** business_id of a day's row for every business together (a business id is never empty). */
export const ALL_BUSINESSES = '';
/** Rows per granule of the rollup table (see below). */
export const ROLLUP_GRANULARITY = 256;
/** through_hour of a run that read its whole day. */
export const WHOLE_DAY = 24;
/** through_minute of a run that read its whole day. */
export const WHOLE_DAY_MINUTES = 1440;
export const MINUTE_MS = 60_000;
/**
 * The current day is rolled in slots of this many minutes (the job rolls it up to its last settled
 * slot; the sink marks what it writes of an earlier slot than its own current one), so readers take
 * at most the settle window and a slot of it raw (docs/adr/0009). A constant, not a setting: the
 * sink's marks are correct only for slots at least as long as the job's.
 */
export const ROLLUP_SLOT_MINUTES = 10;

export interface RollupTables {
  /** Rows of runs of whole days. */
  rollup: Sql;
  /** Rows of runs of a day's first hours, the earlier format (no longer written or read: dropped as superseded). */
  partial: Sql;
  /** Rows of runs of a day's first minutes. */
  slots: Sql;
  runs: Sql;
  dirty: Sql;
}

export function rollupTables(database: string): RollupTables {
  return {
    rollup: sqlQualifiedName(database, ROLLUP_TABLE),
    partial: sqlQualifiedName(database, ROLLUP_PARTIAL_TABLE),
    slots: sqlQualifiedName(database, ROLLUP_SLOTS_TABLE),
    runs: sqlQualifiedName(database, ROLLUP_RUNS_TABLE),
    dirty: sqlQualifiedName(database, ROLLUP_DIRTY_TABLE),
  };
}

/**
 * `(day, run_id)` pairs as an IN list, for the job's deletes: readers select runs by id alone
 * within their range (run-ids.ts), but a delete spans every day held, where ids of the earlier
 * layout, or of days RUN_DAY_SPAN apart, may repeat.
 */
export function runsOfDaysSql(runs: Iterable<readonly [day: string, runId: string]>): Sql {
  return [...runs].map(([day, runId]) => `(${sqlDate(day)}, ${sqlUInt64(runId)})`).join(', ');
}

/*
 * Columns added after the first format, with the defaults that keep what was written before them
 * meaning what it meant: an earlier run read its whole day, an earlier mark changed all of its day.
 * prepare() adds them to tables made before (no re-roll needed).
 */
export const RUN_HOURS_COLUMN = { name: 'through_hour', type: `UInt8 DEFAULT ${WHOLE_DAY}` } as const;
export const MARK_HOUR_COLUMN = { name: 'hour', type: 'UInt8 DEFAULT 0' } as const;
/*
 * The same in minutes (docs/adr/0009). Rows written before read as their hour's first minute. A run
 * of a part of a day records through_hour 0 (never written in hours: a run read at least one hour)
 * and its rows go to ROLLUP_SLOTS_TABLE, so a reader of the earlier version finds none of its rows
 * and reads that day raw from hour 0: exact. A mark records both: its hour voids, for such a
 * reader, at least what its minute voids.
 */
export const RUN_MINUTES_COLUMN = { name: 'through_minute', type: 'UInt16 DEFAULT toUInt16(through_hour * 60)' } as const;
export const MARK_MINUTE_COLUMN = { name: 'minute', type: 'UInt16 DEFAULT toUInt16(hour * 60)' } as const;

/*
 * Plain MergeTree everywhere: readers select the rows of a day's current run by its run_id, so a
 * superseded run's rows must not be collapsed away under a reader that is still using them (a
 * Replacing engine could). Same 18.16-compatible DDL style as analytics-ddl.ts. Monthly partitions
 * by day, so retention drops whole partitions like the raw table's; the partial runs' table one
 * per run (a day has at most a few dozen partial runs, all but the latest dropped within minutes).
 */
export function createRollupTablesSql(t: RollupTables): Sql[] {
  return [
    rowsTableSql(t.rollup, 'toYYYYMM(day)'),
    rowsTableSql(t.partial, '(day, run_id)'),
    rowsTableSql(t.slots, '(day, run_id)'),
    `CREATE TABLE IF NOT EXISTS ${t.runs} (
  day Date,
  run_id UInt64,
  started_at DateTime('UTC'),
  ${RUN_HOURS_COLUMN.name} ${RUN_HOURS_COLUMN.type},
  ${RUN_MINUTES_COLUMN.name} ${RUN_MINUTES_COLUMN.type}
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, run_id)`,
    `CREATE TABLE IF NOT EXISTS ${t.dirty} (
  day Date,
  marked_at DateTime('UTC') DEFAULT now(),
  ${MARK_HOUR_COLUMN.name} ${MARK_HOUR_COLUMN.type},
  ${MARK_MINUTE_COLUMN.name} ${MARK_MINUTE_COLUMN.type}
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY day`,
  ];
}

/** A table of rollup rows (the whole days' or the partial runs'), partitioned as given. */
function rowsTableSql(table: Sql, partitionBy: string): Sql {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  business_id String,
  day Date,
  run_id UInt64,
  records_created UInt64,
  records_updated UInt64,
  records_deleted UInt64,
  events UInt64,
  active_users UInt64,
  users Array(UInt64),
  users_sketch ${USERS_SKETCH_TYPE}
) ENGINE = MergeTree
PARTITION BY ${partitionBy}
ORDER BY (business_id, day, run_id)
SETTINGS index_granularity = ${ROLLUP_GRANULARITY}`;
}

/** A partial run's partition (its (day, run_id) tuple), for DROP PARTITION. */
export function partialRunPartitionSql(day: string, runId: string): Sql {
  return `(${sqlDate(day)}, ${sqlUInt64(runId)})`;
}
