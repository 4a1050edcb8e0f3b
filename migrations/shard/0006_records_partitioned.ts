import { Knex } from 'knex';
import { partitionRecordsByMonth, planRecordsPartitioning } from '@shardline/records-mysql';

/**
 * `records` partitioned by month of creation: RANGE on id (a Snowflake id, time-ordered; the
 * primary key, so no unique key changes), one partition per month from the oldest row's month
 * through this one, `pmax` split ahead by `db:partitions` like `events`. Newest-first pages then read
 * the newest months only (the reader's recent-first windows), and maintenance, reconciliation and a
 * future archive work on one month at a time (README "Data lifecycle").
 *
 * A COPY of the table (MariaDB has no in-place PARTITION BY): reads go on, writes to the shard's
 * records wait until it is done — measured ~13,000–19,000 rows/s on a shared 2-core box, so a
 * million rows pause writes about a minute, 2×10^9 (a year per shard at the seed's rate) a day and a half. Above
 * SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS (default 2,000,000) the migration refuses and prints the
 * alteration to apply online first (pt-online-schema-change or gh-ost); it then finds the table
 * partitioned and does nothing.
 */
export const DEFAULT_COPY_MAX_ROWS = 2_000_000;

export async function up(knex: Knex): Promise<void> {
  const plan = await planRecordsPartitioning(knex, new Date());
  if (!plan) return;
  const limit = copyMaxRows(process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS);
  if (plan.estimatedRows > limit) {
    throw new Error(
      `records holds ~${plan.estimatedRows} rows: partitioning it here copies the table and blocks this shard's record writes for about ` +
        `${Math.ceil(plan.estimatedRows / 13_000 / 60)} minutes. Convert it online first, e.g. pt-online-schema-change --alter "${plan.alteration}" D=<this shard's database>,t=records --execute, ` +
        `then migrate again; or set SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS above ${plan.estimatedRows} to accept the pause (README "records partitions").`,
    );
  }
  await partitionRecordsByMonth(knex, new Date());
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE records REMOVE PARTITIONING');
}

function copyMaxRows(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_COPY_MAX_ROWS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error('SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS must be a non-negative integer (rows)');
  return value;
}
