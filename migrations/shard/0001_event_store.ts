import { Knex } from 'knex';
import { monthKeyOf } from '@shardline/event-store';

/**
 * Event store tables of one shard.
 * - events: position is this shard's monotonically allocated sequence; (stream_id, stream_version,
 *   month_key) is unique and IS the optimistic-concurrency check (no read-then-write). month_key is
 *   the stream's creation month (fixed per stream), so the key is as strong as (stream, version)
 *   while still letting the table be partitioned by month (MySQL needs the partition column in
 *   every unique key).
 * - outbox: one row per event still to publish; the relay deletes rows once Kafka acknowledged them
 *   (deleting, not a high-water mark, so a late-committing lower id is never skipped).
 * - processed_commands: client command ids (Idempotency-Key) and their first response.
 */
export async function up(knex: Knex): Promise<void> {
  const current = monthKeyOf(new Date());
  await knex.raw(`
    CREATE TABLE events (
      position BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      month_key MEDIUMINT UNSIGNED NOT NULL,
      stream_id VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      stream_version INT UNSIGNED NOT NULL,
      event_type VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      schema_version SMALLINT UNSIGNED NOT NULL,
      data JSON NOT NULL,
      metadata JSON NOT NULL,
      created_time DATETIME(3) NOT NULL,
      PRIMARY KEY (position, month_key),
      UNIQUE KEY uq_stream_version (stream_id, stream_version, month_key)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    PARTITION BY RANGE (month_key) (
      PARTITION p_before VALUES LESS THAN (${current}),
      PARTITION pmax VALUES LESS THAN MAXVALUE
    )`);
  await knex.raw(`
    CREATE TABLE outbox (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      stream_id VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      stream_version INT UNSIGNED NOT NULL,
      month_key MEDIUMINT UNSIGNED NOT NULL,
      partition_key VARCHAR(64) NOT NULL,
      created_time DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  await knex.raw(`
    CREATE TABLE processed_commands (
      command_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
      response JSON NOT NULL,
      created_time DATETIME(3) NOT NULL,
      KEY idx_created_time (created_time)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS processed_commands');
  await knex.raw('DROP TABLE IF EXISTS outbox');
  await knex.raw('DROP TABLE IF EXISTS events');
}
