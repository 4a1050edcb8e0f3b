import type { Knex } from 'knex';
export { EVENT_SLOT, eventsOfSlots, RECORD_SLOT, recordsOfSlots, slotList } from '@shardline/sharding/mysql';

const DECIMAL = /^[0-9]{1,20}$/;

/**
 * A position or record id as an integer literal (validated): exact for 64-bit values, where a
 * bound string would be compared with the BIGINT column as a double.
 */
export function int(value: string): string {
  if (!DECIMAL.test(value)) throw new RangeError(`not a decimal position or id: ${value}`);
  return value;
}

/** Rows of a raw SELECT. Without bindings knex leaves `?` alone (rows copied carry any text). */
export async function rowsOf<T>(db: Knex, sql: string, bindings?: readonly unknown[]): Promise<T[]> {
  const [rows] = bindings && bindings.length > 0 ? await db.raw(sql, bindings as Knex.RawBinding[]) : await db.raw(sql);
  return rows as T[];
}

/** The database's clock (UTC, ms): every age in a cursor is measured on the source's clock. */
export async function dbNow(db: Knex): Promise<number> {
  const [row] = await rowsOf<{ now: Date | string }>(db, 'SELECT UTC_TIMESTAMP(3) AS now');
  return toMs(row.now);
}

/** A DATETIME read with the pools' timezone 'Z' (a Date), or a string from a pool without it. */
export function toMs(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(`${String(value).replace(' ', 'T')}Z`);
}

/** The largest position of `events` ('0' when empty). */
export async function maxPosition(db: Knex): Promise<string> {
  const [row] = await rowsOf<{ last: string | number | null }>(db, 'SELECT MAX(position) AS last FROM events');
  return String(row.last ?? '0');
}

/** The last of up to `limit` keys above `after` in key order (null: none), optionally within a partition and below `upTo`. */
export async function scanBound(db: Knex, table: 'events' | 'records', after: string, limit: number, options: { partition?: string; upTo?: string } = {}): Promise<string | null> {
  const key = table === 'events' ? 'position' : 'id';
  const partition = options.partition ? ` PARTITION (${partitionName(options.partition)})` : '';
  const upTo = options.upTo ? ` AND ${key} <= ${int(options.upTo)}` : '';
  const [row] = await rowsOf<{ hi: string | number | null }>(
    db,
    `SELECT MAX(k) AS hi FROM (SELECT ${key} AS k FROM ${table}${partition} WHERE ${key} > ${int(after)}${upTo} ORDER BY ${key} LIMIT ${positive(limit)}) scanned`,
  );
  return row.hi === null ? null : String(row.hi);
}

export function partitionName(name: string): string {
  if (!/^p[A-Za-z0-9_]{1,63}$/.test(name)) throw new RangeError(`not a partition name: ${name}`);
  return name;
}

export function positive(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer, got ${n}`);
  return n;
}

/** Partitions of `events` in order (a table without partitions reads as none). */
export async function eventPartitions(db: Knex): Promise<string[]> {
  const rows = await rowsOf<{ name: string }>(
    db,
    `SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'events' AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION`,
  );
  return rows.map((r) => r.name);
}
