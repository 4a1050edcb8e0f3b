import { Knex } from 'knex';
import { isPartitioned, partitionRecordsByMonth, planRecordsPartitioning } from '@shardline/records-mysql';

/**
 * `records` partitioned by month of creation: RANGE on id (a Snowflake id, time-ordered; the
 * primary key, so no unique key changes), one partition per month from the oldest row's month
 * through this one, `pmax` split ahead by `db:partitions` like `events`. Newest-first pages then read
 * the newest months only (the reader's recent-first windows), and maintenance, reconciliation and a
 * future archive work on one month at a time (README "Data lifecycle").
 *
 * A COPY of the table (MariaDB has no in-place PARTITION BY): reads go on, writes to the shard's
 * records wait until it is done — measured ~13,000–19,000 rows/s on a shared 2-core box, so a
 * million rows pause writes about a minute, 2×10^9 (a year per shard at the seed's rate) a day and a
 * half. Above SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS (default 2,000,000) the migration does not
 * copy: it leaves the table unpartitioned and is recorded as done, so the later migrations (the slot
 * fence's `owned_slots` among them, which every append needs) still apply. `db:migrate` then names
 * the shard and `ops-cli shards partition-records <shard> --execute` converts it online
 * (pt-online-schema-change: a chunked, trigger-fed copy while writes go on); until then the shard
 * works unpartitioned (reads are correct either way; only the month-at-a-time maintenance waits).
 * Before, the migration threw here, which stopped every later migration on that shard.
 */
export const DEFAULT_COPY_MAX_ROWS = 2_000_000;

export async function up(knex: Knex): Promise<void> {
  const plan = await planRecordsPartitioning(knex, new Date());
  if (!plan) return;
  // Deferred: migrateAll reports the shard (recordsUnpartitioned) with the online command.
  if (plan.estimatedRows > copyMaxRows(process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS)) return;
  await partitionRecordsByMonth(knex, new Date());
}

export async function down(knex: Knex): Promise<void> {
  if (await isPartitioned(knex)) await knex.raw('ALTER TABLE records REMOVE PARTITIONING');
}

export function copyMaxRows(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_COPY_MAX_ROWS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error('SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS must be a non-negative integer (rows)');
  return value;
}
