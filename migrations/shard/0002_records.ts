import { Knex } from 'knex';

/**
 * Inline state table (seed 000's `data_*` columns), updated in the append transaction.
 * Indexes serve the page queries newest-first; InnoDB appends the primary key (id) to every
 * secondary index, so (…, created_time) + id is the keyset order:
 * - (business_id, user_id, created_time): the seed's composite index (business + user pages)
 * - (business_id, created_time): business pages
 * - (user_id, created_time): user pages merged across shards
 * business_id compares byte-exactly (utf8mb4_bin), the same bytes crc32 routed on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE records (
      id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      business_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      user_id BIGINT UNSIGNED NOT NULL,
      data_content JSON NOT NULL,
      version INT UNSIGNED NOT NULL,
      created_time DATETIME(3) NOT NULL,
      updated_time DATETIME(3) NOT NULL,
      KEY idx_business_user_time (business_id, user_id, created_time),
      KEY idx_business_time (business_id, created_time),
      KEY idx_user_time (user_id, created_time)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS records');
}
