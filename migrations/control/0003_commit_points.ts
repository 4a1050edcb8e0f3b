import { Knex } from 'knex';

/**
 * Commit points of cross-shard write sets (libs/commit-points, docs/adr/0003): rows staged on the
 * shards under an id are visible exactly when its row here is `committed`. Decided once, by a
 * conditional UPDATE from `pending`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE commit_points (
      id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_time DATETIME(3) NOT NULL,
      decided_time DATETIME(3) NULL
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS commit_points');
}
