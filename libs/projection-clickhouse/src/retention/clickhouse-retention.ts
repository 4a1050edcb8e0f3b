import type { ClickHouseGateway } from '../clickhouse-gateway';
import { EVENTS_TABLE, LATEST_TABLE } from '../schema/analytics-tables';
import { dropPartialRunPartition, partialRunPartitions } from '../rollup/partial-run-partitions';
import { ROLLUP_DIRTY_TABLE, ROLLUP_RUNS_TABLE, ROLLUP_TABLE } from '../rollup/rollup-tables';
import { sqlInt, sqlQualifiedName, sqlString, type Sql } from '../sql/sql-literals';

export interface ClickHouseRetentionPolicy {
  /** Whole months of raw events and latest state kept before the current one; 0 keeps everything. */
  rawMonths: number;
  /** The same for the daily rollup (small: one row per business and day); 0 keeps everything. */
  rollupMonths: number;
}

export interface DroppedPartition {
  table: string;
  partition: string;
}

/** The tables of each retention class and how their monthly partitions are keyed (YYYYMM). */
const RAW_TABLES = [EVENTS_TABLE, LATEST_TABLE, ROLLUP_DIRTY_TABLE];
const ROLLUP_TABLES = [ROLLUP_TABLE, ROLLUP_RUNS_TABLE];
/** The dirty table's 1970-01 partition holds the "every day" marks: never expired. */
const KEPT_PARTITIONS = new Set(['197001']);

/**
 * Drops the monthly partitions that are past retention (ALTER TABLE … DROP PARTITION: a metadata
 * operation, no rewrite, unlike a DELETE mutation). A month is dropped once it is entirely older
 * than the first kept month: with rawMonths = 13 on 2026-12-02, 202511 and before go. Only the
 * live tables (rebuild sets are dropped whole by the operator). `records_latest` is partitioned by
 * the record's creation month, so a record created before the cutoff leaves it even if updated
 * since — the same boundary as the event store's archive. The rollup outlives the raw events:
 * closed days keep their answers from it (see README, Data lifecycle).
 */
export async function dropExpiredPartitions(
  gateway: ClickHouseGateway,
  database: string,
  policy: ClickHouseRetentionPolicy,
  now: Date = new Date(),
): Promise<DroppedPartition[]> {
  const dropped: DroppedPartition[] = [];
  for (const [tables, months] of [[RAW_TABLES, policy.rawMonths], [ROLLUP_TABLES, policy.rollupMonths]] as const) {
    if (months === 0) continue;
    const firstKept = firstKeptMonth(now, months);
    const rows = await gateway.select<{ table: string; partition: string }>(
      `SELECT DISTINCT table, partition FROM system.parts WHERE active AND database = ${sqlString(database)} AND table IN (${tables.map(sqlString).join(', ')})` as Sql,
    );
    for (const { table, partition } of rows.sort((a, b) => a.partition.localeCompare(b.partition))) {
      if (!/^\d{6}$/.test(partition) || Number(partition) >= firstKept || KEPT_PARTITIONS.has(partition)) continue;
      await gateway.command(`ALTER TABLE ${sqlQualifiedName(database, table)} DROP PARTITION ${sqlInt(Number(partition), 197001, 210512)}`);
      dropped.push({ table, partition });
    }
  }
  if (policy.rollupMonths > 0) dropped.push(...(await dropExpiredPartialRuns(gateway, database, firstKeptMonth(now, policy.rollupMonths))));
  return dropped;
}

/**
 * The partial runs' tables have a partition per (day, run) (rollup-tables.ts); the job drops all
 * but a day's latest, so what retention finds there is a day whose latest run read only its first
 * minutes (or hours, before docs/adr/0009: the job never rolled it whole).
 */
async function dropExpiredPartialRuns(gateway: ClickHouseGateway, database: string, firstKept: number): Promise<DroppedPartition[]> {
  const dropped: DroppedPartition[] = [];
  for (const partition of await partialRunPartitions(gateway, database)) {
    if (Number(partition.day.slice(0, 4) + partition.day.slice(5, 7)) >= firstKept) continue;
    await dropPartialRunPartition(gateway, database, partition);
    dropped.push({ table: partition.table, partition: partition.partition });
  }
  return dropped;
}

/** YYYYMM of the oldest month kept: the current month and `months` before it. */
export function firstKeptMonth(now: Date, months: number): number {
  const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  return Math.floor(total / 12) * 100 + (total % 12) + 1;
}

/** The first day still held raw (for the rollup job: older days are never rolled again). */
export function firstRawDay(now: Date, rawMonths: number): string | undefined {
  if (rawMonths === 0) return undefined;
  const m = firstKeptMonth(now, rawMonths);
  return `${String(m).slice(0, 4)}-${String(m).slice(4)}-01`;
}

