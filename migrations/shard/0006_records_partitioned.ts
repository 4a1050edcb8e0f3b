import { Knex } from 'knex';
import { partitionRecordsByMonth } from '@shardline/records-mysql';

/**
 * `records` partitioned by month of creation: RANGE on id (a Snowflake id, time-ordered; the
 * primary key, so no unique key changes), one partition per month from the oldest row's month
 * through this one, `pmax` split ahead by `db:partitions` like `events`. Newest-first pages then read
 * the newest months only (the reader's recent-first windows), and maintenance and archive can work
 * on one month at a time (README "Data lifecycle").
 *
 * A COPY of the table (MariaDB has no in-place PARTITION BY): reads go on, writes to the shard's
 * records wait until it is done — ~N seconds per million rows, measured in bench/README.md
 * ("records partitions"). A big table is converted out of band first (pt-online-schema-change with
 * the same PARTITION BY, README); this migration then finds it partitioned and does nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await partitionRecordsByMonth(knex, new Date());
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE records REMOVE PARTITIONING');
}
