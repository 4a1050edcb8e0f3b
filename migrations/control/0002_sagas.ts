import { Knex } from 'knex';

/**
 * Durable saga state (libs/sagas/src/mysql). One row per saga: the columns the admin API filters
 * and the resumer scans by, and the whole state as JSON (what the admin API shows). Bulk input
 * (an atomic batch's records) lives in saga_payloads, cut into chunks far below max_allowed_packet,
 * read only by the steps that need it (and a finished saga's answer), and purged a while after the
 * saga finished.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE sagas (
      id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      type VARCHAR(48) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      version INT UNSIGNED NOT NULL,
      state JSON NOT NULL,
      created_time DATETIME(3) NOT NULL,
      updated_time DATETIME(3) NOT NULL,
      finished_time DATETIME(3) NULL,
      KEY idx_status_updated (status, updated_time),
      KEY idx_finished (finished_time),
      KEY idx_created (created_time, id),
      KEY idx_type_created (type, created_time, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  await knex.raw(`
    CREATE TABLE saga_payloads (
      saga_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      chunk SMALLINT UNSIGNED NOT NULL,
      data LONGBLOB NOT NULL,
      PRIMARY KEY (saga_id, chunk)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS saga_payloads');
  await knex.raw('DROP TABLE IF EXISTS sagas');
}
