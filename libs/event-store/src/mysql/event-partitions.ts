import { Knex } from 'knex';
import { addMonths, monthKeyOf, nextMonthKey } from '../partition-month';

/**
 * Monthly partitions of the `events` table: `pYYYYMM` holds month_key YYYYMM, `pmax` catches
 * anything beyond the last named month so an insert never fails for want of a partition. The
 * maintenance command splits `pmax` ahead of time (cheap while it is empty).
 */
export async function listMonthPartitions(db: Knex, table = 'events'): Promise<number[]> {
  const [rows] = await db.raw(
    `SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME REGEXP '^p[0-9]{6}$'`,
    [table],
  );
  return (rows as Array<{ name: string }>).map((r) => Number(r.name.slice(1))).sort((a, b) => a - b);
}

/**
 * Ensures named partitions exist from `from` (a date) through `monthsAhead` months after it.
 * `upperBoundOf(key)` is the exclusive bound of month `key`'s partition in the table's partition
 * column: the next month key for `events`; the first Snowflake id of the next month for `records`.
 */
export async function ensureMonthPartitions(
  db: Knex,
  from: Date,
  monthsAhead: number,
  table = 'events',
  upperBoundOf: (monthKey: number) => string | number = nextMonthKey,
): Promise<number[]> {
  const existing = new Set(await listMonthPartitions(db, table));
  const last = existing.size > 0 ? Math.max(...existing) : 0;
  const first = monthKeyOf(from);
  const wanted: number[] = [];
  for (let key = first; key <= addMonths(first, monthsAhead); key = nextMonthKey(key)) {
    // Only months after the last named partition can be split out of pmax.
    if (key > last && !existing.has(key)) wanted.push(key);
  }
  if (wanted.length === 0) return [];
  const parts = wanted.map((key) => `PARTITION p${key} VALUES LESS THAN (${upperBoundOf(key)})`);
  await db.raw(
    `ALTER TABLE ${table} REORGANIZE PARTITION pmax INTO (${parts.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`,
  );
  return wanted;
}
