import { Knex } from 'knex';
import { monthKeyOf, nextMonthKey } from '@shardline/event-store';
import { ensureMonthPartitions, listMonthPartitions } from '@shardline/event-store/mysql';
import { firstIdAt, SNOWFLAKE_EPOCH_MS, timeOfId } from '@shardline/ids';

/**
 * Monthly partitions of the `records` table by id (migration 0006). A record's id is a Snowflake
 * id and its created_time is the id's time, so `pYYYYMM` holds exactly the records created in that
 * month — the same month key as their streams' events (`events` partition pYYYYMM) — and the
 * primary key (id) is the partition column, so no unique key changes. `pmax` catches ids beyond the
 * last named month; `db:partitions` splits it ahead of time (cheap while it is empty), as for events.
 */
const EPOCH_MONTH = monthKeyOf(new Date(SNOWFLAKE_EPOCH_MS));

/** The first id any generator can mint in month `key` (YYYYMM); '0' up to the Snowflake epoch's month. */
export function firstIdOfMonth(key: number): string {
  if (key <= EPOCH_MONTH) return '0';
  return firstIdAt(new Date(Date.UTC(Math.floor(key / 100), (key % 100) - 1, 1)));
}

/** The month `count` months before `key` (YYYYMM). */
export function monthsBefore(key: number, count: number): number {
  const index = Math.floor(key / 100) * 12 + (key % 100) - 1 - count;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}

/**
 * The page indexes with the id spelled out at the end. Physically the same for InnoDB (a secondary
 * index already ends with the primary key, and a column is not stored twice), but a partitioned
 * table merges its partitions in the order of the DECLARED key only: with the id implicit, MariaDB
 * answers `ORDER BY created_time DESC, id DESC LIMIT 20` by filesorting every matching row of every
 * partition — all 100,604 rows of the hottest business for page 1 (bench/README.md "records
 * partitions") — instead of reading ~20 rows through a merge of per-partition index scans.
 */
export const PAGE_INDEXES: ReadonlyArray<readonly [string, string]> = [
  ['idx_business_user_time', 'business_id, user_id, created_time, id'],
  ['idx_business_time', 'business_id, created_time, id'],
  ['idx_user_time', 'user_id, created_time, id'],
];

/** Exclusive upper bound of pYYYYMM: the first id of the next month. */
export function recordPartitionBoundOf(key: number): string {
  return firstIdOfMonth(nextMonthKey(key));
}

export async function isPartitioned(db: Knex, table = 'records'): Promise<boolean> {
  const [rows] = await db.raw(
    `SELECT COUNT(*) AS n FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL`,
    [table],
  );
  return Number((rows as Array<{ n: number }>)[0].n) > 0;
}

/** What converting `table` takes: the months it gets, the rows it copies (estimate), the alteration. */
export interface RecordsPartitioning {
  months: number[];
  estimatedRows: number;
  /** The ALTER TABLE specification (after `ALTER TABLE records`): also what an online tool applies. */
  alteration: string;
}

/**
 * How an unpartitioned `records` table is converted to monthly id ranges: one partition per month
 * from the oldest row's month through `now`'s, `p_before` below (empty; ids of months before the
 * first named one), `pmax` above; the page indexes redeclared with the id (PAGE_INDEXES). Null when
 * the table is partitioned already (converted out of band, or a repeated run).
 */
export async function planRecordsPartitioning(db: Knex, now: Date, table = 'records'): Promise<RecordsPartitioning | null> {
  if (await isPartitioned(db, table)) return null;
  const [rows] = await db.raw(`SELECT CAST(MIN(id) AS CHAR) AS id FROM ${table}`);
  const minId = (rows as Array<{ id: string | null }>)[0].id;
  const [stats] = await db.raw(`SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [table]);
  const current = monthKeyOf(now);
  const oldest = minId === null ? current : Math.min(current, monthKeyOf(timeOfId(minId)));
  const first = Math.max(oldest, EPOCH_MONTH);
  const months: number[] = [];
  for (let key = first; key <= current; key = nextMonthKey(key)) months.push(key);
  const before = firstIdOfMonth(first);
  const parts = [
    ...(before === '0' ? [] : [`PARTITION p_before VALUES LESS THAN (${before})`]),
    ...months.map((key) => `PARTITION p${key} VALUES LESS THAN (${recordPartitionBoundOf(key)})`),
    'PARTITION pmax VALUES LESS THAN MAXVALUE',
  ];
  const indexes = PAGE_INDEXES.map(([name, columns]) => `DROP INDEX ${name}, ADD INDEX ${name} (${columns})`).join(', ');
  return { months, estimatedRows: Number((stats as Array<{ n: number | null }>)[0]?.n ?? 0), alteration: `${indexes} PARTITION BY RANGE (id) (${parts.join(', ')})` };
}

/**
 * Converts `table` as planRecordsPartitioning says; returns the months created, or null when it was
 * partitioned already.
 *
 * Cost: MariaDB has no in-place PARTITION BY, so this COPIES the table (LOCK=SHARED: reads go on,
 * writes to this shard's records wait for the whole copy): ~13,000–19,000 rows/s measured on a
 * shared 2-core box (bench/README.md "records partitions").
 */
export async function partitionRecordsByMonth(db: Knex, now: Date, table = 'records'): Promise<number[] | null> {
  const plan = await planRecordsPartitioning(db, now, table);
  if (!plan) return null;
  await db.raw(`ALTER TABLE ${table} ALGORITHM=COPY, LOCK=SHARED, ${plan.alteration}`);
  return plan.months;
}

/**
 * Splits `pmax` into the months from `from` through `monthsAhead` after it that are not there yet.
 * Nothing on a table not partitioned yet: a shard whose conversion the migration deferred (over the
 * copy limit, README "Upgrading") keeps working unpartitioned until it is converted online.
 */
export async function ensureRecordPartitions(db: Knex, from: Date, monthsAhead: number, table = 'records'): Promise<number[]> {
  if (!(await isPartitioned(db, table))) return [];
  return ensureMonthPartitions(db, from, monthsAhead, table, recordPartitionBoundOf);
}

/**
 * Splits `p_before` into the months from `from`'s through the one before the first named month, so
 * records created back to `from` get their own month partitions, as a table converted from an older
 * history has (planRecordsPartitioning). Cheap while `p_before` is empty (a fresh shard about to be
 * loaded with back-dated records, e.g. bench/scale); otherwise REORGANIZE copies its rows. Returns
 * the months created: none when `from` is not before the first named month, or `table` has no
 * `p_before` (not partitioned by month).
 */
export async function splitRecordPartitionsBack(db: Knex, from: Date, table = 'records'): Promise<number[]> {
  const existing = await listRecordPartitions(db, table);
  if (existing.length === 0 || !(await hasPartition(db, table, 'p_before'))) return [];
  const wanted: number[] = [];
  for (let key = Math.max(monthKeyOf(from), EPOCH_MONTH); key < existing[0]; key = nextMonthKey(key)) wanted.push(key);
  if (wanted.length === 0) return [];
  const before = firstIdOfMonth(wanted[0]);
  const parts = [
    ...(before === '0' ? [] : [`PARTITION p_before VALUES LESS THAN (${before})`]),
    ...wanted.map((key) => `PARTITION p${key} VALUES LESS THAN (${recordPartitionBoundOf(key)})`),
  ];
  await db.raw(`ALTER TABLE ${table} REORGANIZE PARTITION p_before INTO (${parts.join(', ')})`);
  return wanted;
}

/** Rows per partition (p_before, pYYYYMM…, pmax), in partition order: an exact count, for a layout report. */
export async function countRowsPerPartition(db: Knex, table = 'records'): Promise<Array<{ partition: string; rows: number }>> {
  const [names] = await db.raw(
    `SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION`,
    [table],
  );
  const counts: Array<{ partition: string; rows: number }> = [];
  for (const { name } of names as Array<{ name: string }>) {
    const [rows] = await db.raw(`SELECT COUNT(*) AS n FROM ${table} PARTITION (${name})`);
    counts.push({ partition: name, rows: Number((rows as Array<{ n: number }>)[0].n) });
  }
  return counts;
}

async function hasPartition(db: Knex, table: string, name: string): Promise<boolean> {
  const [rows] = await db.raw(
    `SELECT COUNT(*) AS n FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME = ?`,
    [table, name],
  );
  return Number((rows as Array<{ n: number }>)[0].n) > 0;
}

export function listRecordPartitions(db: Knex, table = 'records'): Promise<number[]> {
  return listMonthPartitions(db, table);
}
