import { Knex } from 'knex';

/**
 * Writes whose read-cache invalidation could not reach Redis (docs/adr/0006). A writer that
 * acknowledges such a write first records the record here, on the record's shard, so that the
 * invalidation is replayed before that writer (or, if it died, the sweeper) lets cached readers
 * trust the cache again. Rows exist only while Redis is unreachable from some writer: the table is
 * normally empty. `cache_writer_fences` serialises a writer's row inserts with the sweeper that
 * removes it from the fence: a writer inserts only while its id is not marked swept, under the
 * same row lock the sweeper takes to mark it (see libs/records-cache/src/mysql).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE pending_cache_invalidations (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      writer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      business_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      record_id BIGINT UNSIGNED NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      KEY idx_writer (writer_id, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  await knex.raw(`
    CREATE TABLE cache_writer_fences (
      writer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      swept TINYINT(1) NOT NULL DEFAULT 0,
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS cache_writer_fences');
  await knex.raw('DROP TABLE IF EXISTS pending_cache_invalidations');
}
